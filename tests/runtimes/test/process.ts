import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { RunningRuntime } from './runtime-cases.js'

/**
 * Starts a server process and waits for its `listening on <origin>` line; `stop()` ends it
 * (SIGTERM, then SIGKILL after 5 s).
 */
export async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<RunningRuntime> {
  const child = spawn(command, args, {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit')
  let origin: string | undefined
  // Bounded by the hook timeout; a process that exits first fails at once with its output.
  while (origin === undefined) {
    origin = /listening on (http:\/\/\S+)/.exec(output)?.[1]
    if (origin !== undefined) break
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${command} exited before listening:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {
    origin,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}
