import { createResourceServer, type Logger } from '@scopeguard/core'
import { createTestIssuer } from '@scopeguard/testing'
import { Redis, type Cluster } from 'ioredis'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  connectCluster,
  dedicatedRedis,
  RECOMMENDED,
  useConnection,
  useResource,
  type DedicatedRedis,
} from '../test/redis-env.js'
import { RedisStoreError } from './errors.js'
import { assessMemory, parseMemoryInfo } from './memory-policy.js'
import { createRedisStore } from './redis-store.js'

/** A logger that keeps its warnings. */
function recorder(): Logger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, warn: (message) => warnings.push(message), error: () => {} }
}

describe('parseMemoryInfo', () => {
  it('reads maxmemory and maxmemory_policy from an INFO memory reply (CRLF lines)', () => {
    const info =
      '# Memory\r\nused_memory:1024\r\nmaxmemory:67108864\r\nmaxmemory_human:64.00M\r\n' +
      'maxmemory_policy:allkeys-lru\r\n'
    expect(parseMemoryInfo(info)).toEqual({ maxmemory: 67_108_864, policy: 'allkeys-lru' })
  })

  it('refuses a reply without the fields instead of guessing', () => {
    expect(() => parseMemoryInfo('# Memory\r\nused_memory:1024\r\n')).toThrow(/maxmemory/)
    expect(() => parseMemoryInfo('maxmemory:-1\r\nmaxmemory_policy:noeviction')).toThrow()
  })
})

describe('assessMemory', () => {
  const evicting = ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-ttl']

  it.each(evicting)('calls a state Redis with maxmemory and %s unsafe', (policy) => {
    const { unsafe } = assessMemory('state', [{ maxmemory: 1 << 20, policy }])
    expect(unsafe).toContain(`maxmemory-policy ${policy}`)
    expect(unsafe).toContain('set maxmemory-policy noeviction')
  })

  it('accepts noeviction; warns without maxmemory; only warns about an evicting cache Redis', () => {
    expect(assessMemory('state', [{ maxmemory: 1 << 20, policy: 'noeviction' }])).toEqual({
      warnings: [],
    })
    const unbounded = assessMemory('state', [{ maxmemory: 0, policy: 'allkeys-lru' }])
    expect(unbounded.unsafe).toBeUndefined()
    expect(unbounded.warnings).toEqual([expect.stringMatching(/has no maxmemory/)])
    const cache = assessMemory('cache', [{ maxmemory: 1 << 20, policy: 'allkeys-lru' }])
    expect(cache.unsafe).toBeUndefined()
    expect(cache.warnings).toEqual([expect.stringMatching(/cache-only Redis evicts/)])
  })

  it('names the primary of a cluster that is unsafe', () => {
    const { unsafe } = assessMemory('state', [
      { maxmemory: 1 << 20, policy: 'noeviction' },
      { maxmemory: 1 << 20, policy: 'volatile-lru' },
      { maxmemory: 1 << 20, policy: 'noeviction' },
    ])
    expect(unsafe).toContain('(primary 2 of 3)')
  })
})

// warmUp() against real redis-servers of the test's own, reconfigured with CONFIG SET.
describe('RedisStore.warmUp on a real Redis', () => {
  const servers = useResource(
    async () => Promise.all([dedicatedRedis(), dedicatedRedis()]),
    (started: DedicatedRedis[]) => Promise.all(started.map((server) => server.stop())),
  )
  const clients: Redis[] = []
  async function connect(server: DedicatedRedis): Promise<Redis> {
    const client = new Redis(server.url, RECOMMENDED)
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }
  /** Sets maxmemory (bytes) and maxmemory-policy of a server. */
  async function configure(client: Redis, maxmemory: number, policy: string): Promise<void> {
    await client.call('config', 'set', 'maxmemory', maxmemory, 'maxmemory-policy', policy)
  }
  let single: Redis
  let other: Redis
  beforeEach(async () => {
    const [first, second] = servers()
    single = await connect(first!)
    other = await connect(second!)
  })
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })

  it.each(['allkeys-lru', 'volatile-ttl', 'allkeys-random'])(
    'refuses a Redis holding state with maxmemory and %s, saying what to set',
    async (policy) => {
      await configure(single, 64 << 20, policy)
      const store = createRedisStore({ client: single, logger: false })
      const error = await store.warmUp().then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(RedisStoreError)
      expect(error).toMatchObject({ code: 'unsafe_memory_policy', operation: 'warmUp' })
      expect((error as Error).message).toMatch(/set maxmemory-policy noeviction/)
      expect((error as Error).message).toMatch(/stateEvictionCheck: 'warn'/)
    },
  )

  it("only warns with stateEvictionCheck: 'warn'", async () => {
    await configure(single, 64 << 20, 'allkeys-lru')
    const logger = recorder()
    const store = createRedisStore({ client: single, logger, stateEvictionCheck: 'warn' })
    await expect(store.warmUp()).resolves.toBeUndefined()
    expect(logger.warnings).toEqual([expect.stringMatching(/may evict DPoP replay markers/)])
  })

  it('accepts noeviction with maxmemory, silently', async () => {
    await configure(single, 64 << 20, 'noeviction')
    const logger = recorder()
    await expect(createRedisStore({ client: single, logger }).warmUp()).resolves.toBeUndefined()
    expect(logger.warnings).toEqual([])
  })

  it('accepts a Redis without maxmemory, with a warning', async () => {
    await configure(single, 0, 'allkeys-lru')
    const logger = recorder()
    await expect(createRedisStore({ client: single, logger }).warmUp()).resolves.toBeUndefined()
    expect(logger.warnings).toEqual([expect.stringMatching(/has no maxmemory/)])
  })

  it('accepts an evicting cache Redis next to a noeviction stateClient, and judges each apart', async () => {
    await configure(single, 64 << 20, 'allkeys-lru')
    await configure(other, 64 << 20, 'noeviction')
    const logger = recorder()
    const store = createRedisStore({ client: single, stateClient: other, logger })
    await expect(store.warmUp()).resolves.toBeUndefined()
    expect(logger.warnings).toEqual([expect.stringMatching(/cache-only Redis evicts/)])
    // The other way round, the state Redis evicts: refused.
    const swapped = createRedisStore({ client: other, stateClient: single, logger: false })
    await expect(swapped.warmUp()).rejects.toMatchObject({ code: 'unsafe_memory_policy' })
  })

  it('works where CONFIG is disabled (reads INFO only)', async () => {
    await configure(single, 64 << 20, 'allkeys-lru')
    // A client that refuses CONFIG, as managed Redis services do.
    const restricted = {
      get status() {
        return single.status
      },
      call: (command: string, ...args: (string | number)[]) =>
        command.toLowerCase() === 'config'
          ? Promise.reject(new Error("ERR unknown command 'config'"))
          : single.call(command, ...args),
    }
    const store = createRedisStore({ client: restricted, logger: false })
    await expect(store.warmUp()).rejects.toMatchObject({ code: 'unsafe_memory_policy' })
  })

  it('fails rs.warmUp() through the core when the store refuses', async () => {
    await configure(single, 64 << 20, 'volatile-lru')
    const issuer = await createTestIssuer()
    try {
      const options = {
        issuer: issuer.issuer,
        audience: 'https://api.example.test',
        logger: false as const,
      }
      const unsafe = createResourceServer({
        ...options,
        store: createRedisStore({ client: single, logger: false }),
      })
      await expect(unsafe.warmUp()).rejects.toMatchObject({ code: 'unsafe_memory_policy' })
      await configure(single, 64 << 20, 'noeviction')
      const safe = createResourceServer({
        ...options,
        store: createRedisStore({ client: single, logger: false }),
      })
      await expect(safe.warmUp()).resolves.toBeUndefined()
    } finally {
      await issuer.close()
    }
  })

  it('rejects with unavailable when Redis cannot be asked', async () => {
    const client = await connect(servers()[0]!)
    await client.quit()
    const store = createRedisStore({ client, logger: false })
    await expect(store.warmUp()).rejects.toMatchObject({
      code: 'unavailable',
      operation: 'warmUp',
    })
  })
})

// The shared three-node cluster: warmUp asks every primary. Its maxmemory stays 0 (nothing else
// running on it is affected); one primary gets a maxmemory far above its use, restored after.
describe('RedisStore.warmUp on a Redis Cluster', () => {
  const connection = useConnection<Cluster>(connectCluster)
  let restore: (() => Promise<unknown>) | undefined
  afterAll(async () => {
    await restore?.()
  })

  it('asks every primary', async () => {
    const logger = recorder()
    await createRedisStore({ client: connection(), logger }).warmUp()
    expect(logger.warnings.filter((w) => /has no maxmemory/.test(w)).sort()).toEqual([
      expect.stringContaining('(primary 1 of 3)'),
      expect.stringContaining('(primary 2 of 3)'),
      expect.stringContaining('(primary 3 of 3)'),
    ])
  })

  it('refuses when one primary may evict', async () => {
    const client = connection()
    const primary = client.nodes('master')[1]!
    const [, before] = (await primary.call('config', 'get', 'maxmemory-policy')) as string[]
    restore = () => primary.call('config', 'set', 'maxmemory', 0, 'maxmemory-policy', before!)
    await primary.call('config', 'set', 'maxmemory', 1 << 30, 'maxmemory-policy', 'allkeys-lru')
    try {
      const store = createRedisStore({ client, logger: false })
      await expect(store.warmUp()).rejects.toMatchObject({ code: 'unsafe_memory_policy' })
    } finally {
      await restore()
      restore = undefined
    }
  })
})
