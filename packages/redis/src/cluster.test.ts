import { ConfigurationError } from '@scopeguard/core'
import type { Cluster } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { connectCluster, uniquePrefix, useConnection } from '../test/redis-env.js'
import { keySlot } from './internal/slot.js'
import { createRedisStore } from './redis-store.js'

// Key placement on the real three-node Redis Cluster from REDIS_CLUSTER_NODES.
describe('createRedisStore on Redis Cluster', () => {
  const connection = useConnection<Cluster>(connectCluster)

  const slotOf = async (client: Cluster, key: string): Promise<number> =>
    Number(await client.call('cluster', 'keyslot', key))

  /** The `host:port` of the node serving each slot. */
  async function slotOwners(client: Cluster): Promise<(slot: number) => string> {
    const ranges = (await client.call('cluster', 'slots')) as [number, number, [string, number]][]
    return (slot) => {
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      if (range === undefined) throw new Error(`slot ${slot} is not served`)
      return `${range[2][0]}:${range[2][1]}`
    }
  }

  it('co-locates keys that share a hash tag, so one multi-key command can use them', async () => {
    const client = connection()
    const prefix = uniquePrefix()
    const store = createRedisStore({ client, prefix })
    await store.set('dpop:v1:{jkt-1}:jti', 'a', 10_000, 'state')
    await store.set('dpop:v1:{jkt-1}:nonce', 'b', 10_000, 'state')
    const [first, second] = [`${prefix}s:dpop:v1:{jkt-1}:jti`, `${prefix}s:dpop:v1:{jkt-1}:nonce`]
    expect(await slotOf(client, first)).toBe(await slotOf(client, 'jkt-1'))
    expect(await slotOf(client, second)).toBe(await slotOf(client, 'jkt-1'))
    await expect(client.call('mget', first, second)).resolves.toEqual(['1:a', '1:b'])
  })

  it('lets the cluster refuse a multi-key command over keys without a shared tag', async () => {
    const client = connection()
    const prefix = uniquePrefix()
    const store = createRedisStore({ client, prefix })
    // Tags chosen to hash to different slots.
    const [a, b] = ['x:{tag-a}', 'x:{tag-b}']
    const [keyA, keyB] = [`${prefix}c:${a}`, `${prefix}c:${b}`]
    expect(await slotOf(client, keyA)).not.toBe(await slotOf(client, keyB))
    await store.set(a, '1', 10_000, 'cache')
    await store.set(b, '2', 10_000, 'cache')
    await expect(client.call('mget', keyA, keyB)).rejects.toThrow(/CROSSSLOT/)
  })

  it('spreads untagged keys over all three nodes and reads each back through redirects', async () => {
    const client = connection()
    const prefix = uniquePrefix()
    const store = createRedisStore({ client, prefix })
    const names = Array.from({ length: 60 }, (_, i) => `introspection:v1:issuer:hash-${i}`)
    await Promise.all(names.map((name, i) => store.set(name, `value-${i}`, 10_000, 'cache')))
    await expect(Promise.all(names.map((name) => store.get(name, 'cache')))).resolves.toEqual(
      names.map((_, i) => `value-${i}`),
    )
    const owner = await slotOwners(client)
    const nodes = new Set(
      await Promise.all(
        names.map(async (name) => owner(await slotOf(client, `${prefix}c:${name}`))),
      ),
    )
    expect(nodes.size).toBe(3)
  })

  it('refuses a prefix with a hash tag, which would put every key on one node', () => {
    const client = connection()
    expect(() => createRedisStore({ client, prefix: '{scopeguard}:' })).toThrow(ConfigurationError)
    expect(() => createRedisStore({ client, prefix: 'sg}' })).toThrow(/hash tag/)
  })

  it("computes every key's slot as the cluster does (hash tags, empty tags, UTF-8)", async () => {
    const client = connection()
    const keys = [
      'scopeguard:s:dpop:v1:jti:abc',
      'a{tag}b',
      '{tag}',
      'x{}y{tag}',
      'x{y',
      'x}y{',
      '{}{tag}',
      'ключ:é:🔑',
      '{ключ}:1',
      '',
      ...Array.from({ length: 40 }, (_, i) => `scopeguard:c:introspection:v2:${i * 7919}`),
    ]
    for (const key of keys) expect(keySlot(key), key).toBe(await slotOf(client, key))
  })
})
