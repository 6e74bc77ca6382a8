import type { Store } from '@scopeguard/core'
import type { Cluster, Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { connectCluster, connectSingle, uniquePrefix, useConnection } from '../test/redis-env.js'
import { createRedisStore } from './redis-store.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// The same behaviour on a single node and on a three-node Redis Cluster, both real servers.
describe.each([
  { topology: 'single node (REDIS_URL)', connect: connectSingle },
  { topology: 'Redis Cluster (REDIS_CLUSTER_NODES)', connect: connectCluster },
])('createRedisStore on a $topology', ({ connect }) => {
  const connection = useConnection<Redis | Cluster>(connect)
  let client: Redis | Cluster
  let prefix: string
  let store: Store
  const fresh = (): Store => {
    client = connection()
    prefix = uniquePrefix()
    store = createRedisStore({ client, prefix })
    return store
  }

  it('reads back what it stored, and undefined for a missing key', async () => {
    fresh()
    await store.set('introspection:v1:a', '{"v":1,"active":true}', 10_000)
    await expect(store.get('introspection:v1:a')).resolves.toBe('{"v":1,"active":true}')
    await expect(store.get('introspection:v1:missing')).resolves.toBeUndefined()
  })

  it('replaces a value and its TTL on set', async () => {
    fresh()
    await store.set('k', 'old', 60_000)
    await store.set('k', 'new', 5_000)
    await expect(store.get('k')).resolves.toBe('new')
    const pttl = Number(await client.call('pttl', `${prefix}k`))
    expect(pttl).toBeGreaterThan(4_000)
    expect(pttl).toBeLessThanOrEqual(5_000)
  })

  it('gives every entry an expiry in Redis (PX), rounding a fractional TTL up', async () => {
    fresh()
    await store.set('a', 'x', 2_000)
    await store.setIfAbsent('b', 'x', 2_000)
    await store.set('c', 'x', 0.2)
    for (const name of ['a', 'b']) {
      const pttl = Number(await client.call('pttl', `${prefix}${name}`))
      expect(pttl).toBeGreaterThan(1_000)
      expect(pttl).toBeLessThanOrEqual(2_000)
    }
    // -2: already expired after 1 ms; never -1 (no expiry).
    expect(Number(await client.call('pttl', `${prefix}c`))).not.toBe(-1)
  })

  it('forgets entries when their TTL has passed (real time)', async () => {
    fresh()
    await store.set('short', 'v', 400)
    await store.setIfAbsent('marker', 'v', 400)
    await expect(store.get('short')).resolves.toBe('v')
    await expect(store.setIfAbsent('marker', 'again', 400)).resolves.toBe(false)
    await sleep(800)
    await expect(store.get('short')).resolves.toBeUndefined()
    await expect(store.setIfAbsent('marker', 'again', 400)).resolves.toBe(true)
  })

  it('removes the entry when set with a TTL of zero or less', async () => {
    fresh()
    await store.set('k', 'v', 10_000)
    await store.set('k', 'v2', 0)
    await expect(store.get('k')).resolves.toBeUndefined()
    expect(await client.call('exists', `${prefix}k`)).toBe(0)
  })

  it('refuses a TTL that is not a finite number (no entry without expiry)', async () => {
    fresh()
    await expect(store.set('k', 'v', Number.POSITIVE_INFINITY)).rejects.toThrow(TypeError)
    await expect(store.setIfAbsent('k', 'v', Number.NaN)).rejects.toThrow(TypeError)
    expect(await client.call('exists', `${prefix}k`)).toBe(0)
  })

  it('lets exactly one of 50 concurrent setIfAbsent callers win, keeping its value', async () => {
    fresh()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.setIfAbsent('dpop:v1:jti', `caller-${i}`, 10_000)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    await expect(store.get('dpop:v1:jti')).resolves.toBe(`caller-${winner}`)
  })

  it('lets exactly one of 50 callers on separate stores and connections win', async () => {
    fresh()
    const clients = await Promise.all(Array.from({ length: 5 }, () => connect()))
    try {
      // Atomicity is under test, not the timeout: new cluster connections on a loaded machine
      // can take longer than the default 500 ms for their first command.
      const stores = clients.map((c) =>
        createRedisStore({ client: c, prefix, commandTimeoutMs: 5_000 }),
      )
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stores[i % stores.length]!.setIfAbsent('replay', String(i), 10_000),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    } finally {
      for (const c of clients) c.disconnect()
    }
  })

  it('does not overwrite or extend an existing entry in setIfAbsent', async () => {
    fresh()
    await expect(store.setIfAbsent('k', 'first', 3_000)).resolves.toBe(true)
    await expect(store.setIfAbsent('k', 'second', 60_000)).resolves.toBe(false)
    await expect(store.get('k')).resolves.toBe('first')
    expect(Number(await client.call('pttl', `${prefix}k`))).toBeLessThanOrEqual(3_000)
  })

  it('answers setIfAbsent with a TTL of zero by whether the key exists, storing nothing', async () => {
    fresh()
    await expect(store.setIfAbsent('k', 'v', 0)).resolves.toBe(true)
    expect(await client.call('exists', `${prefix}k`)).toBe(0)
    await store.set('k', 'v', 10_000)
    await expect(store.setIfAbsent('k', 'v', 0)).resolves.toBe(false)
  })

  it('deletes an entry, and deleting a missing one is not an error', async () => {
    fresh()
    await store.set('k', 'v', 10_000)
    await store.delete('k')
    await expect(store.get('k')).resolves.toBeUndefined()
    await expect(store.delete('k')).resolves.toBeUndefined()
    await expect(store.setIfAbsent('k', 'again', 10_000)).resolves.toBe(true)
  })

  it('keeps stores with different prefixes apart, and writes only under its prefix', async () => {
    const a = fresh()
    const prefixA = prefix
    const b = fresh()
    await a.set('shared-name', 'from-a', 10_000)
    await expect(b.get('shared-name')).resolves.toBeUndefined()
    await expect(b.setIfAbsent('shared-name', 'from-b', 10_000)).resolves.toBe(true)
    await expect(a.get('shared-name')).resolves.toBe('from-a')
    expect(await client.call('exists', `${prefixA}shared-name`)).toBe(1)
    expect(await client.call('exists', 'shared-name')).toBe(0)
  })

  it('uses the default prefix scopeguard: when none is given', async () => {
    fresh()
    const name = `default-prefix-test:${uniquePrefix()}`
    const plain = createRedisStore({ client })
    await plain.set(name, 'v', 5_000)
    expect(await client.call('get', `scopeguard:${name}`)).toBe('1:v')
    await plain.delete(name)
  })

  it('stores versioned values and reads an entry of another format as absent', async () => {
    fresh()
    await store.set('k', 'value:with:colons', 10_000)
    expect(await client.call('get', `${prefix}k`)).toBe('1:value:with:colons')
    // Entries written by another (older or newer) format, or by someone else.
    for (const [name, raw] of [
      ['legacy', '{"active":true}'],
      ['future', '2:{"active":true}'],
      ['empty', ''],
    ] as const) {
      await client.call('set', `${prefix}${name}`, raw, 'PX', 10_000)
      await expect(store.get(name)).resolves.toBeUndefined()
    }
    // An entry of another format still exists: a replay marker must not be overwritten.
    await expect(store.setIfAbsent('legacy', 'v', 10_000)).resolves.toBe(false)
    await expect(store.get('k')).resolves.toBe('value:with:colons')
  })

  it('stores empty and non-ASCII values unchanged', async () => {
    fresh()
    await store.set('empty', '', 10_000)
    await store.set('text', 'ünïcödé ✓ {"a":1}', 10_000)
    await expect(store.get('empty')).resolves.toBe('')
    await expect(store.get('text')).resolves.toBe('ünïcödé ✓ {"a":1}')
  })
})
