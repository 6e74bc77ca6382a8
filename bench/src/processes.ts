import { fork, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/** A child process started from this package's compiled scripts, with what it said when ready. */
export interface Started<T> {
  child: ChildProcess
  ready: T
  stop(): Promise<void>
}

/** Forks `script` (relative to dist/) and waits for its `{ ready: true, ... }` message. */
export function start<T extends object>(
  script: string,
  args: string[],
  execArgv: string[] = [],
): Promise<Started<T>> {
  const child = fork(join(here, script), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      // Ask for a normal exit first (a profile is written then); kill if it does not come.
      if (child.connected) child.send({ type: 'exit', id: 'stop' })
      else child.kill('SIGKILL')
    })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${script} ${args[0] ?? ''} did not start within 30 s`))
    }, 30_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} ${args[0] ?? ''} exited with ${code} while starting`))
    })
    child.on('message', function onReady(message: T & { ready?: boolean }) {
      if (message?.ready !== true) return
      clearTimeout(timer)
      child.off('message', onReady)
      child.removeAllListeners('exit')
      resolve({ child, ready: message, stop })
    })
  })
}
