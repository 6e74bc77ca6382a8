import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

/** An example API's entry point, found relative to this package (not the working directory). */
export function exampleServer(adapter: string): string {
  return fileURLToPath(new URL(`../../examples/${adapter}/dist/server.js`, import.meta.url))
}

export interface ExampleApiOptions {
  /** Which example to start (a folder under examples/). */
  readonly adapter: string
  readonly port: number
  readonly issuer: string
  readonly audience: string
  /** How long to wait for GET /health to answer 200. */
  readonly readyTimeoutMs?: number
}

export interface ExampleApi {
  readonly url: string
  readonly child: ChildProcess
  /** What the child printed so far (stdout and stderr interleaved, last ~200 lines). */
  output(): string
  /** Stops the child: SIGTERM, then SIGKILL if it has not exited after 3 s. */
  stop(): Promise<void>
}

export class ExampleApiError extends Error {
  override name = 'ExampleApiError'
  readonly output: string

  constructor(message: string, output: string) {
    super(message)
    this.output = output
  }
}

const exited = (child: ChildProcess): boolean =>
  child.exitCode !== null || child.signalCode !== null

function stop(child: ChildProcess): Promise<void> {
  if (exited(child)) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
    await res.body?.cancel()
    return res.status === 200
  } catch {
    return false
  }
}

/** Spawns `node examples/<adapter>/dist/server.js` and waits until GET /health answers 200. */
export async function startExampleApi(options: ExampleApiOptions): Promise<ExampleApi> {
  const server = exampleServer(options.adapter)
  if (!existsSync(server)) {
    throw new ExampleApiError(
      `the example API is not built: ${server} does not exist.\n` +
        'Build it first, e.g. `pnpm --filter @scopeguard/demo... build` (npm run demo does this).',
      '',
    )
  }
  const url = `http://127.0.0.1:${options.port}`
  const child = spawn(process.execPath, [server], {
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      OAUTH_ISSUER: options.issuer,
      OAUTH_AUDIENCE: options.audience,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const collect = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
    lines.splice(0, Math.max(0, lines.length - 200))
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  let failure: Error | undefined
  void spawnError.then((error) => (failure = error))

  const api: ExampleApi = { url, child, output: () => lines.join('\n'), stop: () => stop(child) }
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000)
  while (Date.now() < deadline) {
    if (failure)
      throw new ExampleApiError(`could not start the example API: ${failure.message}`, '')
    if (exited(child)) {
      throw new ExampleApiError(
        `the example API exited (${child.exitCode ?? child.signalCode}) before it was ready`,
        api.output(),
      )
    }
    if (await healthy(url)) return api
    await sleep(150)
  }
  await stop(child)
  throw new ExampleApiError(
    `the example API did not answer GET ${url}/health with 200 within ${options.readyTimeoutMs ?? 15_000} ms`,
    api.output(),
  )
}
