import { createRedisStore } from '@scopeguard/redis'
import { Redis } from 'ioredis'
import type { ExampleConfig } from './index.js'

/** The configuration with the shared state wired in, and how to let go of it. */
export interface SharedState {
  /**
   * The configuration to build the resource server from. With `REDIS_URL`, its options use the
   * Redis store (DPoP replay markers and nonces, the introspection cache) and the shared
   * revocation denylist (`revocation: true`); without it, `config` is returned unchanged.
   */
  config: ExampleConfig
  /** Closes the Redis connection, if any. Call it after the HTTP server has closed. */
  close(): Promise<void>
}

/** Options of {@link connectShared}. */
export interface SharedStateOptions {
  /** Where connection changes are reported (one line each). @default console.error */
  log?: (message: string) => void
  /** How long startup waits for Redis before going on without it. @default 5000 */
  readyTimeoutMs?: number
  /** The store's bound on every Redis command, in milliseconds. @default 500 */
  commandTimeoutMs?: number
}

/** `REDIS_URL` with any password replaced, for messages. */
function redacted(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.href
}

/**
 * Connects what the configuration shares between instances: with `config.redisUrl`, one ioredis
 * client (offline queue off, one retry per command, reconnecting every 50–500 ms forever) and a
 * `@scopeguard/redis` store on it, with `revocation: true`.
 *
 * Startup waits up to `readyTimeoutMs` for Redis but never fails because of it: an instance that
 * starts while Redis is down answers what needs Redis with 503 (the replay check and the
 * revocation denylist fail closed) and recovers by itself once Redis answers, with no restart.
 */
export async function connectShared(
  config: ExampleConfig,
  options: SharedStateOptions = {},
): Promise<SharedState> {
  const url = config.redisUrl
  if (url === undefined) return { config, close: async () => {} }
  const log = options.log ?? ((message: string) => console.error(message))
  const where = redacted(url)
  const client = new Redis(url, {
    lazyConnect: true,
    // Fail at once while disconnected instead of queueing commands in memory without limit.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  })
  let up = false
  let lastError = ''
  client.on('ready', () => {
    if (!up) log(`connected to Redis at ${where}`)
    up = true
    lastError = ''
  })
  client.on('error', (error: Error) => {
    // ioredis reports every failed reconnection attempt: log each distinct problem once.
    if (error.message !== lastError) log(`Redis at ${where}: ${error.message}`)
    lastError = error.message
  })
  client.on('close', () => {
    if (up) log(`lost the connection to Redis at ${where}; reconnecting (503 for what needs it)`)
    up = false
  })
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${options.readyTimeoutMs ?? 5_000} ms`)),
          options.readyTimeoutMs ?? 5_000,
        )
      }),
    ])
  } catch (error) {
    log(
      `cannot reach Redis at ${where} yet (${(error as Error).message}); starting anyway, ` +
        'requests that need it get 503 until it answers',
    )
  } finally {
    clearTimeout(timer)
  }
  const store = createRedisStore({
    client,
    ...(options.commandTimeoutMs === undefined
      ? {}
      : { commandTimeoutMs: options.commandTimeoutMs }),
  })
  return {
    config: { ...config, resourceServer: { ...config.resourceServer, store, revocation: true } },
    async close() {
      if (client.status === 'end') return
      try {
        if (client.status !== 'ready') throw new Error('not connected')
        await Promise.race([
          client.quit(),
          new Promise((_, reject) => {
            setTimeout(() => reject(new Error('timeout')), 1_000).unref()
          }),
        ])
      } catch {
        client.disconnect()
      }
    },
  }
}
