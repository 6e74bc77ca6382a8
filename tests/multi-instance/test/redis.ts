// The Redis servers these tests use: the shared one from REDIS_URL (a missing one fails the tests
// loudly, never skips them) and, for the fault tests, a redis-server of their own
// (tests/shared/redis-server.ts).
import { Cluster, Redis } from 'ioredis'

export { dedicatedRedis, type DedicatedRedis } from '../../shared/redis-server.js'

const HOW_TO =
  'Start one with `eval "$(bash scripts/redis.sh start)"` from the repository root, or run the ' +
  'tests through `bash scripts/redis.sh run npm test`.'

/** REDIS_URL, checked to answer PING. */
export async function sharedRedisUrl(): Promise<string> {
  const url = process.env['REDIS_URL']
  if (url === undefined || url === '') {
    throw new Error(`REDIS_URL is not set: the multi-instance tests need a real Redis. ${HOW_TO}`)
  }
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.ping()
  } catch (error) {
    throw new Error(
      `cannot reach Redis at REDIS_URL=${url}: ${(error as Error).message}. ${HOW_TO}`,
    )
  } finally {
    probe.disconnect()
  }
  return url
}

/** A shared Redis the examples connect to, however it is deployed. */
export interface SharedRedis {
  /** What it is, for test names. */
  readonly topology: string
  /** The examples contract's variable naming it (REDIS_URL or REDIS_CLUSTER_NODES). */
  readonly env: Record<string, string>
  /** The line an example logs once connected. */
  readonly connectedLine: RegExp
  /** A client of the test process on the same Redis. */
  connect(): Promise<Redis | Cluster>
}

/** REDIS_URL, checked to answer PING, as a {@link SharedRedis}. */
export async function singleRedis(): Promise<SharedRedis> {
  const url = await sharedRedisUrl()
  return {
    topology: 'one Redis (REDIS_URL)',
    env: { REDIS_URL: url },
    connectedLine: /connected to Redis at redis:\/\//,
    async connect() {
      const client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      })
      client.on('error', () => {})
      await client.connect()
      return client
    },
  }
}

/** The three-node cluster of REDIS_CLUSTER_NODES, checked to be ok, as a {@link SharedRedis}. */
export async function clusterRedis(): Promise<SharedRedis> {
  const nodes = process.env['REDIS_CLUSTER_NODES']
  if (nodes === undefined || nodes === '') {
    throw new Error(
      `REDIS_CLUSTER_NODES is not set: the multi-instance tests need a Redis Cluster. ${HOW_TO}`,
    )
  }
  const startup = nodes.split(',').map((node) => {
    const [host = '', port = ''] = node.trim().split(':')
    return { host, port: Number(port) }
  })
  const self: SharedRedis = {
    topology: 'a Redis Cluster (REDIS_CLUSTER_NODES)',
    env: { REDIS_CLUSTER_NODES: nodes },
    connectedLine: /connected to the Redis Cluster at /,
    async connect() {
      const client = new Cluster(startup, {
        lazyConnect: true,
        enableOfflineQueue: false,
        redisOptions: { maxRetriesPerRequest: 1 },
      })
      client.on('error', () => {})
      try {
        await client.connect()
        const info = String(await client.call('cluster', 'info'))
        if (!info.includes('cluster_state:ok')) throw new Error('cluster state is not ok')
      } catch (error) {
        client.disconnect()
        throw new Error(
          `cannot use the Redis Cluster at REDIS_CLUSTER_NODES=${nodes}: ${(error as Error).message}. ${HOW_TO}`,
        )
      }
      return client
    },
  }
  ;(await self.connect()).disconnect()
  return self
}
