import type { RedisClientLike } from '../client.js'
import { RedisStoreError, type RedisStoreErrorCode, type RedisStoreOperation } from '../errors.js'

/** Client states in which the connection is known to be down (ioredis `Redis` and `Cluster`). */
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting'])
/** ioredis messages that mean "not connected" rather than "the command failed". */
const NOT_CONNECTED =
  /enableOfflineQueue|Connection is closed|isn't ready|ECONNREFUSED|ECONNRESET|EPIPE|MaxRetriesPerRequest|None of startup nodes/i
/** Redis's answer to a write beyond `maxmemory` under `noeviction`. */
const OUT_OF_MEMORY = /^OOM\b/

/** Sends one command and resolves to its reply, or rejects with a {@link RedisStoreError}. */
export type Send = (
  operation: RedisStoreOperation,
  args: [string, ...(string | number)[]],
) => Promise<unknown>

export function storeError(
  operation: RedisStoreOperation,
  code: RedisStoreErrorCode,
  message: string,
  cause?: unknown,
): RedisStoreError {
  return new RedisStoreError(code, operation, message, cause === undefined ? undefined : { cause })
}

/**
 * A sender on one client: every command bounded by `timeoutMs`, at most `maxPending` waiting at
 * once (counting timed-out ones Redis has not answered yet), and refused at once while the client
 * reports its connection down.
 */
export function createSender(
  client: RedisClientLike,
  limits: { timeoutMs: number; maxPending: number },
): Send {
  const { timeoutMs, maxPending } = limits
  let pending = 0
  return (operation, args) => {
    const status = client.status
    if (status !== undefined && DOWN.has(status)) {
      return Promise.reject(
        storeError(operation, 'unavailable', `Redis is not connected (${status})`),
      )
    }
    if (pending >= maxPending) {
      return Promise.reject(
        storeError(operation, 'overloaded', `${pending} commands are already waiting for Redis`),
      )
    }
    let reply: Promise<unknown>
    try {
      reply = Promise.resolve(client.call(...args))
    } catch (cause) {
      reply = Promise.reject(cause)
    }
    pending++
    const settled = () => {
      pending--
    }
    reply.then(settled, settled)
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(storeError(operation, 'timeout', `Redis did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      reply.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (cause: unknown) => {
          clearTimeout(timer)
          const message = cause instanceof Error ? cause.message : String(cause)
          const code = NOT_CONNECTED.test(message)
            ? 'unavailable'
            : OUT_OF_MEMORY.test(message)
              ? 'out_of_memory'
              : 'command_failed'
          reject(storeError(operation, code, message, cause))
        },
      )
    })
  }
}
