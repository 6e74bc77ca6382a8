import { ConfigurationError, type Store } from '@scopeguard/core'
import type { RedisClientLike } from './client.js'
import { RedisStoreError, type RedisStoreErrorCode, type RedisStoreOperation } from './errors.js'
import { decodeValue, encodeValue, pxMilliseconds } from './internal/format.js'

/**
 * What the store does when Redis fails. By default every failure is thrown, and the core applies
 * its own policy per use: a failing introspection cache is bypassed (fail open), a failing
 * revocation check or replay check answers 503 (fail closed).
 */
export interface RedisFailurePolicy {
  /**
   * `get()`: `'throw'`, or `'absent'` to answer "not found". `'absent'` also makes the revocation
   * denylist fail open (a revoked token is accepted while Redis is down).
   * @default 'throw'
   */
  read?: 'throw' | 'absent'
  /**
   * `set()` and `delete()`: `'throw'`, or `'ignore'` to resolve as if done.
   * `'ignore'` also makes `rs.revoke()` appear to succeed while Redis is down.
   * @default 'throw'
   */
  write?: 'throw' | 'ignore'
  /** Called with every failure, thrown or not (for logs and metrics). Must not throw. */
  onError?: (error: RedisStoreError) => void
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected (or connecting) ioredis `Redis` or `Cluster` that you create, configure and
   * close; the store never connects, quits or reconfigures it. Recommended client options:
   * `enableOfflineQueue: false` and `maxRetriesPerRequest: 1` (see the README).
   */
  client: RedisClientLike
  /**
   * Put before every key. Must not contain `{` or `}`: a hash tag in the prefix would put every
   * key in the same Redis Cluster slot.
   * @default 'scopeguard:'
   */
  prefix?: string
  /** A command not answered within this many milliseconds rejects with a `timeout` error. @default 500 */
  commandTimeoutMs?: number
  /**
   * Most commands waiting for Redis at once (including timed-out ones Redis has not yet
   * answered); beyond it, methods reject at once with an `overloaded` error.
   * @default 1000
   */
  maxPendingCommands?: number
  /** What to do when Redis fails. @default every failure throws a RedisStoreError */
  failurePolicy?: RedisFailurePolicy
}

/** Client states in which the connection is known to be down (ioredis `Redis` and `Cluster`). */
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting'])
/** ioredis messages that mean "not connected" rather than "the command failed". */
const NOT_CONNECTED =
  /enableOfflineQueue|Connection is closed|isn't ready|ECONNREFUSED|ECONNRESET|EPIPE|MaxRetriesPerRequest|None of startup nodes/i

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer`)
  }
  return value
}

function checkTtl(ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) {
    throw new TypeError('scopeguard redis store: ttlMs must be a finite number of milliseconds')
  }
}

/**
 * A {@link Store} on Redis or Redis Cluster, shared by every resource server instance that uses
 * the same Redis and prefix.
 *
 * Each entry is one Redis string `<prefix><key>` holding a versioned value and always an expiry
 * (`PX`); `setIfAbsent` is a single `SET … PX … NX`. Every command is bounded by
 * `commandTimeoutMs`, and while the client reports its connection down the methods reject at
 * once; they work again as soon as the client has reconnected.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const client = new Redis(process.env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
 * const rs = createResourceServer({ issuer, audience, revocation: true, store: createRedisStore({ client }) })
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): Store {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createRedisStore needs an options object with a client')
  }
  const { client } = options
  if (typeof client !== 'object' || client === null || typeof client.call !== 'function') {
    throw new ConfigurationError(
      'client must be an ioredis Redis or Cluster instance (an object with call())',
    )
  }
  const prefix = options.prefix ?? 'scopeguard:'
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new ConfigurationError('prefix must be a string without { or } (no cluster hash tag)')
  }
  const timeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 500)
  const maxPending = positiveInteger('maxPendingCommands', options.maxPendingCommands, 1000)
  const policy = options.failurePolicy ?? {}
  let pending = 0

  function fail(
    operation: RedisStoreOperation,
    code: RedisStoreErrorCode,
    message: string,
    cause?: unknown,
  ) {
    return new RedisStoreError(
      code,
      operation,
      message,
      cause === undefined ? undefined : { cause },
    )
  }

  /** Sends one command, bounded by the timeout and the pending limit. */
  function send(operation: RedisStoreOperation, args: [string, ...(string | number)[]]) {
    const status = client.status
    if (status !== undefined && DOWN.has(status)) {
      return Promise.reject(fail(operation, 'unavailable', `Redis is not connected (${status})`))
    }
    if (pending >= maxPending) {
      return Promise.reject(
        fail(operation, 'overloaded', `${pending} commands are already waiting for Redis`),
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
        reject(fail(operation, 'timeout', `Redis did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      reply.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (cause: unknown) => {
          clearTimeout(timer)
          const message = cause instanceof Error ? cause.message : String(cause)
          const code = NOT_CONNECTED.test(message) ? 'unavailable' : 'command_failed'
          reject(fail(operation, code, message, cause))
        },
      )
    })
  }

  /** Reports a failure, then applies the policy: rethrow, or resolve with the fallback. */
  function handle<T>(error: unknown, swallow: boolean, fallback: T): T {
    if (error instanceof RedisStoreError) {
      try {
        policy.onError?.(error)
      } catch {
        // a failing observer must not change the outcome
      }
      if (swallow) return fallback
    }
    throw error
  }

  const key = (name: string): string => prefix + name

  return {
    async get(name) {
      try {
        return decodeValue(await send('get', ['get', key(name)]))
      } catch (error) {
        return handle(error, policy.read === 'absent', undefined)
      }
    },
    async set(name, value, ttlMs) {
      checkTtl(ttlMs)
      try {
        // An entry that would expire at once replaces the old one with nothing (like the memory store).
        if (ttlMs <= 0) await send('set', ['del', key(name)])
        else await send('set', ['set', key(name), encodeValue(value), 'PX', pxMilliseconds(ttlMs)])
      } catch (error) {
        handle(error, policy.write === 'ignore', undefined)
      }
    },
    async setIfAbsent(name, value, ttlMs) {
      checkTtl(ttlMs)
      // Never swallowed: a replay check that cannot run must not pass.
      try {
        if (ttlMs <= 0) return (await send('setIfAbsent', ['exists', key(name)])) === 0
        const reply = await send('setIfAbsent', [
          'set',
          key(name),
          encodeValue(value),
          'PX',
          pxMilliseconds(ttlMs),
          'NX',
        ])
        if (reply === 'OK') return true
        if (reply === null) return false
        throw fail('setIfAbsent', 'command_failed', 'unexpected reply to SET NX')
      } catch (error) {
        return handle(error, false, false)
      }
    },
    async delete(name) {
      try {
        await send('delete', ['del', key(name)])
      } catch (error) {
        handle(error, policy.write === 'ignore', undefined)
      }
    },
  }
}
