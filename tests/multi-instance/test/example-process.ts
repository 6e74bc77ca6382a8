import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** The example servers started here (their compiled entry points, run with `node`). */
export type ExampleName = 'express' | 'koa' | 'nestjs' | 'passport' | 'fastify' | 'hono'

const entryPoint = (name: ExampleName): string =>
  fileURLToPath(new URL(`../../../examples/${name}/dist/server.js`, import.meta.url))

/** One running example server process. */
export interface Instance {
  name: string
  /** Its own address, `http://127.0.0.1:<port>`. */
  origin: string
  pid: number
  /** Everything it printed so far. */
  output(): string
  /** Whether the process is still the one started (it never restarted or exited). */
  running(): boolean
  stop(): Promise<void>
}

/**
 * Starts an example as a child process configured only by the examples contract's environment
 * (nothing is inherited but `PATH`), and waits for its `listening on <origin>` line.
 */
export async function startInstance(
  example: ExampleName,
  label: string,
  env: Record<string, string>,
): Promise<Instance> {
  const child: ChildProcess = spawn(process.execPath, [entryPoint(example)], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit')
  const deadline = Date.now() + 20_000
  let origin: string | undefined
  for (;;) {
    origin = /listening on (http:\/\/\S+)/.exec(output)?.[1]
    if (origin !== undefined) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${label} (example-${example}) did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    name: label,
    origin,
    pid: child.pid ?? -1,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/** An HTTP answer, and how long it took. */
export interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown>
  ms: number
}

/**
 * Sends one request to an instance. A request that has not been answered within `limitMs` fails
 * the test (it hung) instead of waiting for the test timeout.
 */
export async function call(
  origin: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; limitMs?: number } = {},
): Promise<Answer> {
  const start = performance.now()
  const limitMs = init.limitMs ?? 10_000
  let response: Response
  try {
    response = await fetch(new URL(path, origin), {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      signal: AbortSignal.timeout(limitMs),
    })
  } catch (error) {
    throw new Error(`${init.method ?? 'GET'} ${origin}${path}: no answer within ${limitMs} ms`, {
      cause: error,
    })
  }
  const text = await response.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: response.status, headers: response.headers, body, ms: performance.now() - start }
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
})
