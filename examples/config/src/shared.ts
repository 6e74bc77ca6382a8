import { createRedisStore } from '@scopeguard/redis'
import { Cluster, Redis } from 'ioredis'
import type { ExampleConfig, RedisNode } from './read-config.js'

/** The configuration with the shared state wired in, and how to let go of it. */
export interface SharedState {
  /**
   * The configuration to build the resource server from. With `REDIS_URL` or
   * `REDIS_CLUSTER_NODES`, its options use the Redis store (DPoP replay markers and nonces, the
   * introspection cache) and the shared revocation denylist (`revocation: true`); without them,
   * `config` is returned unchanged.
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

/** Reconnect every 50–500 ms, forever. */
const reconnect = (attempt: number): number => Math.min(attempt * 50, 500)

/** The ioredis client for the configuration, and how to name it in messages. */
function createClient(
  url: string | undefined,
  nodes: readonly RedisNode[] | undefined,
): { client: Redis | Cluster; where: string } {
  // Offline queue off: fail at once while disconnected instead of queueing commands without limit.
  if (nodes !== undefined) {
    const client = new Cluster([...nodes], {
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: reconnect,
      redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2_000 },
    })
    const where = nodes.map(({ host, port }) => `${host}:${port}`).join(',')
    return { client, where: `the Redis Cluster at ${where}` }
  }
  const client = new Redis(url!, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: reconnect,
  })
  return { client, where: `Redis at ${redacted(url!)}` }
}

/**
 * Connects what the configuration shares between instances: with `config.redisUrl` (or
 * `config.redisClusterNodes`), one ioredis `Redis` (or `Cluster`) client (offline queue off, one
 * retry per command, reconnecting every 50–500 ms forever) and a `@scopeguard/redis` store on it,
 * with `revocation: true`.
 *
 * Startup waits up to `readyTimeoutMs` for Redis but never fails because of it: an instance that
 * starts while Redis is down answers what needs Redis with 503 (the replay check and the
 * revocation denylist fail closed) and recovers by itself once Redis answers, with no restart.
 */
export async function connectShared(
  config: ExampleConfig,
  options: SharedStateOptions = {},
): Promise<SharedState> {
  if (config.redisUrl === undefined && config.redisClusterNodes === undefined) {
    return { config, close: async () => {} }
  }
  const log = options.log ?? ((message: string) => console.error(message))
  const { client, where } = createClient(config.redisUrl, config.redisClusterNodes)
  let up = false
  let lastError = ''
  client.on('ready', () => {
    if (!up) log(`connected to ${where}`)
    up = true
    lastError = ''
  })
  client.on('error', (error: Error) => {
    // ioredis reports every failed reconnection attempt: log each distinct problem once.
    if (error.message !== lastError) log(`${where}: ${error.message}`)
    lastError = error.message
  })
  client.on('close', () => {
    if (up) log(`lost the connection to ${where}; reconnecting (503 for what needs it)`)
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
      `cannot reach ${where} yet (${(error as Error).message}); starting anyway, ` +
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
