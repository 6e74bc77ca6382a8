// Fastify apps served on loopback for the tests, through tests/shared's servers: Fastify builds its
// request handler around a server we never start (serverFactory), and the shared helpers serve
// that handler over HTTP, HTTPS (with client certificates) or both.
import { createServer, type RequestListener } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'

/** A Fastify app and the Node request listener it answers through. */
export interface TestApp {
  app: FastifyInstance
  listener: RequestListener
}

/** A Fastify app (logger off unless given) whose listener the shared servers can serve. */
export function createApp(options: Omit<FastifyServerOptions, 'serverFactory'> = {}): TestApp {
  let listener: RequestListener | undefined
  const app = Fastify({
    logger: false,
    ...options,
    serverFactory(handler) {
      listener = handler
      return createServer()
    },
  })
  if (listener === undefined) throw new Error('Fastify did not call serverFactory')
  return { app, listener }
}

/**
 * Parses `application/x-www-form-urlencoded` bodies (a repeated field becomes an array, as with
 * Node's querystring), as apps that accept forms do with @fastify/formbody.
 */
export function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const form: Record<string, string | string[]> = Object.create(null) as Record<string, never>
      for (const [name, value] of new URLSearchParams(body as string)) {
        const previous = form[name]
        form[name] =
          previous === undefined
            ? value
            : Array.isArray(previous)
              ? [...previous, value]
              : [previous, value]
      }
      done(null, form)
    },
  )
}

/** Readies the app and serves it with `how` (plain HTTP by default); closing closes both. */
export async function serveApp(
  { app, listener }: TestApp,
  how: (listener: RequestListener) => Promise<RunningApp> = serve,
): Promise<RunningApp> {
  await app.ready()
  const running = await how(listener)
  return {
    origin: running.origin,
    close: async () => {
      await running.close()
      await app.close()
    },
  }
}
