// The example as a Cloudflare Worker (or any runtime with `export default { fetch }`): the same
// app, configured from the Worker's environment bindings (OAUTH_ISSUER, OAUTH_AUDIENCE, … as
// string vars), with the in-memory store; PORT does not apply and Redis is not supported here.
import { readConfig } from '@scopeguard/example-config/read-config'
import type { Hono } from 'hono'
import type { ScopeguardEnv } from '@scopeguard/hono'
import { createApp, createExampleResourceServer } from './app.js'

/** The Worker's bindings: the contract's variables as string vars. */
export type WorkerEnv = Record<string, unknown>

let app: Hono<ScopeguardEnv> | undefined

/** The app, built on the first request from the bindings (an isolate keeps it, and its caches). */
function appFor(env: WorkerEnv): Hono<ScopeguardEnv> {
  if (app !== undefined) return app
  const vars: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') vars[name] = value
  const config = readConfig(vars)
  if (config.redisUrl !== undefined || config.redisClusterNodes !== undefined) {
    throw new Error('example-hono worker: REDIS_URL and REDIS_CLUSTER_NODES are not supported here')
  }
  app = createApp(createExampleResourceServer(config))
  return app
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: unknown): Response | Promise<Response> {
    return appFor(env).fetch(request, env, ctx as never)
  },
}
