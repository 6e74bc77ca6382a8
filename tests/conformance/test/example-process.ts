import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { AdapterUnderTest } from './adapters.js'

/** A running example server. */
export interface RunningExample {
  adapter: AdapterUnderTest
  origin: string
  output(): string
  stop(): Promise<void>
}

/**
 * Starts an example as a child process with the contract's environment and waits for its
 * `listening on <origin>` line.
 */
export async function startExample(
  adapter: AdapterUnderTest,
  env: { issuer: string; audience: string; extra?: Record<string, string> },
): Promise<RunningExample> {
  const child: ChildProcess = spawn(process.execPath, [adapter.server], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      OAUTH_ISSUER: env.issuer,
      OAUTH_AUDIENCE: env.audience,
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit')
  const deadline = Date.now() + 15_000
  let origin: string | undefined
  while (origin === undefined) {
    origin = /listening on (http:\/\/\S+)/.exec(output)?.[1]
    if (origin !== undefined) break
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`example-${adapter.name} did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    adapter,
    origin,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
