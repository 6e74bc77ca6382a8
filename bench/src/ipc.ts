import type { ChildProcess } from 'node:child_process'

/** A request/answer exchange over a child process's IPC channel. */
export function ask<T>(
  child: ChildProcess,
  message: Record<string, unknown>,
  timeoutMs = 15 * 60_000,
): Promise<T> {
  const id = Math.random().toString(36).slice(2)
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (answer: { id?: string; error?: string; result?: T }): void => {
      if (answer?.id !== id) return
      done()
      if (answer.error !== undefined) reject(new Error(answer.error))
      else resolve(answer.result as T)
    }
    const onExit = (code: number | null): void => {
      done()
      reject(new Error(`process exited (${code}) before answering ${String(message.type)}`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no answer to ${String(message.type)} within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', onMessage)
    child.once('exit', onExit)
    child.send({ ...message, id })
  })
}

/** Answers the parent's requests in a child process. */
export function serve(
  handlers: Record<string, (message: Record<string, unknown>) => unknown>,
): void {
  // Never outlive the runner (killed or crashed): no orphaned servers.
  process.once('disconnect', () => process.exit(0))
  process.on('message', (message: Record<string, unknown> & { id: string; type: string }) => {
    // A normal exit on request, so that --cpu-prof can write its profile.
    if (message.type === 'exit') return void setImmediate(() => process.exit(0))
    const handler = handlers[message.type]
    Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown message ${message.type}`)
        return handler(message)
      })
      .then(
        (result) => process.send?.({ id: message.id, result }),
        (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
      )
  })
}
