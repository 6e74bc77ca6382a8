// Connections to the Redis servers the tests need. The single node and the cluster come from the
// environment (scripts/redis.sh starts them); a missing or unreachable server fails the tests with
// a message saying how to start it. Dedicated servers for the fault tests come from
// tests/shared/redis-server.ts.
import { randomUUID } from 'node:crypto'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'

export { dedicatedRedis, type DedicatedRedis } from '../../../tests/shared/redis-server.js'
export {
  dedicatedCluster,
  type ClusterNodeInfo,
  type DedicatedCluster,
} from '../../../tests/shared/redis-cluster.js'

const HOW_TO =
  'Start the test servers with `eval "$(bash scripts/redis.sh start)"` from the repository root, ' +
  'or run the tests through `bash scripts/redis.sh run npm test`.'

/** The client options the README recommends. */
export const RECOMMENDED: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  lazyConnect: true,
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

function requireEnv(name: 'REDIS_URL' | 'REDIS_CLUSTER_NODES'): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: the @scopeguard/redis tests need a real Redis. ${HOW_TO}`)
  }
  return value
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms. ${HOW_TO}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** A connected client for REDIS_URL; throws a clear error when unset or unreachable. */
export async function connectSingle(options: RedisOptions = {}): Promise<Redis> {
  const url = requireEnv('REDIS_URL')
  const client = new Redis(url, { ...RECOMMENDED, retryStrategy: () => 100, ...options })
  client.on('error', () => {}) // failures surface through the commands
  try {
    await within(client.connect(), 5_000, `cannot reach Redis at REDIS_URL=${url}`)
  } catch (error) {
    client.disconnect()
    throw new Error(`cannot reach Redis at REDIS_URL=${url}: ${errorText(error)} ${HOW_TO}`)
  }
  return client
}

/** The REDIS_CLUSTER_NODES as host/port pairs. */
export function clusterNodes(): { host: string; port: number }[] {
  return requireEnv('REDIS_CLUSTER_NODES')
    .split(',')
    .map((node) => {
      const [host = '', port = ''] = node.trim().split(':')
      return { host, port: Number(port) }
    })
}

/** A connected cluster client for REDIS_CLUSTER_NODES; throws a clear error when unset or unreachable. */
export async function connectCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const nodes = clusterNodes()
  const client = new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    redisOptions: { maxRetriesPerRequest: 1 },
    ...options,
  })
  client.on('error', () => {})
  const where = `REDIS_CLUSTER_NODES=${process.env['REDIS_CLUSTER_NODES']}`
  try {
    await within(client.connect(), 10_000, `cannot reach the Redis Cluster at ${where}`)
    const info = String(await client.call('cluster', 'info'))
    if (!info.includes('cluster_state:ok')) throw new Error(`cluster state is not ok:\n${info}`)
  } catch (error) {
    client.disconnect()
    throw new Error(`cannot use the Redis Cluster at ${where}: ${errorText(error)} ${HOW_TO}`)
  }
  return client
}

/**
 * Creates a resource before the file's tests and disposes of it after them. When creating it
 * fails, every test using it fails with that error (a failing test, never a skipped one).
 */
export function useResource<T>(
  create: () => Promise<T>,
  dispose: (resource: T) => unknown,
): () => T {
  let resource: T | undefined
  let failure: unknown
  beforeAll(async () => {
    try {
      resource = await create()
    } catch (error) {
      failure = error
    }
  })
  afterAll(async () => {
    if (resource !== undefined) await dispose(resource)
  })
  return () => {
    if (resource === undefined) throw failure
    return resource
  }
}

/** {@link useResource} for a client: connected before the tests, disconnected after them. */
export function useConnection<T extends { disconnect(): void }>(
  connect: () => Promise<T>,
): () => T {
  return useResource(connect, (client) => client.disconnect())
}

/** A prefix no other test uses, so tests sharing one Redis never see each other's keys. */
export function uniquePrefix(): string {
  return `test:${randomUUID()}:`
}
