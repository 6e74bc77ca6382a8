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
    await store.set('introspection:v1:a', '{"v":1,"active":true}', 10_000, 'cache')
    await expect(store.get('introspection:v1:a', 'cache')).resolves.toBe('{"v":1,"active":true}')
    await expect(store.get('introspection:v1:missing', 'cache')).resolves.toBeUndefined()
    await store.set('revoked:v2:jti:a', '1', 10_000, 'state')
    await expect(store.get('revoked:v2:jti:a', 'state')).resolves.toBe('1')
    await expect(store.get('revoked:v2:jti:missing', 'state')).resolves.toBeUndefined()
  })

  it('replaces a value and its TTL on set', async () => {
    fresh()
    await store.set('k', 'old', 60_000, 'state')
    await store.set('k', 'new', 5_000, 'state')
    await expect(store.get('k', 'state')).resolves.toBe('new')
    const pttl = Number(await client.call('pttl', `${prefix}s:k`))
    expect(pttl).toBeGreaterThan(4_000)
    expect(pttl).toBeLessThanOrEqual(5_000)
  })

  it('gives every entry an expiry in Redis (PX), rounding a fractional TTL up', async () => {
    fresh()
    await store.set('a', 'x', 2_000, 'cache')
    await store.setIfAbsent('b', 'x', 2_000, 'state')
    await store.set('c', 'x', 0.2, 'cache')
    for (const key of ['c:a', 's:b']) {
      const pttl = Number(await client.call('pttl', `${prefix}${key}`))
      expect(pttl).toBeGreaterThan(1_000)
      expect(pttl).toBeLessThanOrEqual(2_000)
    }
    // -2: already expired after 1 ms; never -1 (no expiry).
    expect(Number(await client.call('pttl', `${prefix}c:c`))).not.toBe(-1)
  })

  it('forgets entries when their TTL has passed (real time)', async () => {
    fresh()
    await store.set('short', 'v', 400, 'cache')
    await store.setIfAbsent('marker', 'v', 400, 'state')
    await expect(store.get('short', 'cache')).resolves.toBe('v')
    await expect(store.setIfAbsent('marker', 'again', 400, 'state')).resolves.toBe(false)
    await sleep(800)
    await expect(store.get('short', 'cache')).resolves.toBeUndefined()
    await expect(store.setIfAbsent('marker', 'again', 400, 'state')).resolves.toBe(true)
  })

  it('removes the entry when set with a TTL of zero or less', async () => {
    fresh()
    for (const [kind, space] of [
      ['cache', 'c'],
      ['state', 's'],
    ] as const) {
      await store.set('k', 'v', 10_000, kind)
      await store.set('k', 'v2', 0, kind)
      await expect(store.get('k', kind)).resolves.toBeUndefined()
      expect(await client.call('exists', `${prefix}${space}:k`)).toBe(0)
    }
  })

  it('refuses a TTL that is not a finite number (no entry without expiry)', async () => {
    fresh()
    await expect(store.set('k', 'v', Number.POSITIVE_INFINITY, 'cache')).rejects.toThrow(TypeError)
    await expect(store.setIfAbsent('k', 'v', Number.NaN, 'state')).rejects.toThrow(TypeError)
    expect(await client.call('exists', `${prefix}c:k`)).toBe(0)
    expect(await client.call('exists', `${prefix}s:k`)).toBe(0)
  })

  it('lets exactly one of 50 concurrent setIfAbsent callers win, keeping its value', async () => {
    fresh()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.setIfAbsent('dpop:v1:jti', `caller-${i}`, 10_000, 'state'),
      ),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    await expect(store.get('dpop:v1:jti', 'state')).resolves.toBe(`caller-${winner}`)
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
          stores[i % stores.length]!.setIfAbsent('replay', String(i), 10_000, 'state'),
        ),
      )
      expect(results.filter(Boolean)).toHaveLength(1)
    } finally {
      for (const c of clients) c.disconnect()
    }
  })

  it('does not overwrite or extend an existing entry in setIfAbsent', async () => {
    fresh()
    await expect(store.setIfAbsent('k', 'first', 3_000, 'state')).resolves.toBe(true)
    await expect(store.setIfAbsent('k', 'second', 60_000, 'state')).resolves.toBe(false)
    await expect(store.get('k', 'state')).resolves.toBe('first')
    expect(Number(await client.call('pttl', `${prefix}s:k`))).toBeLessThanOrEqual(3_000)
  })

  it('answers setIfAbsent with a TTL of zero by whether the key exists, storing nothing', async () => {
    fresh()
    await expect(store.setIfAbsent('k', 'v', 0, 'state')).resolves.toBe(true)
    expect(await client.call('exists', `${prefix}s:k`)).toBe(0)
    await store.set('k', 'v', 10_000, 'state')
    await expect(store.setIfAbsent('k', 'v', 0, 'state')).resolves.toBe(false)
  })

  it('deletes an entry, and deleting a missing one is not an error', async () => {
    fresh()
    await store.set('k', 'v', 10_000, 'state')
    await store.set('k', 'v', 10_000, 'cache')
    await store.delete('k', 'state')
    await expect(store.get('k', 'state')).resolves.toBeUndefined()
    await expect(store.get('k', 'cache')).resolves.toBe('v') // only the named kind
    await expect(store.delete('k', 'state')).resolves.toBeUndefined()
    await expect(store.setIfAbsent('k', 'again', 10_000, 'state')).resolves.toBe(true)
  })

  it('keeps stores with different prefixes apart, and writes only under its prefix', async () => {
    const a = fresh()
    const prefixA = prefix
    const b = fresh()
    await a.set('shared-name', 'from-a', 10_000, 'state')
    await expect(b.get('shared-name', 'state')).resolves.toBeUndefined()
    await expect(b.setIfAbsent('shared-name', 'from-b', 10_000, 'state')).resolves.toBe(true)
    await expect(a.get('shared-name', 'state')).resolves.toBe('from-a')
    expect(await client.call('exists', `${prefixA}s:shared-name`)).toBe(1)
    expect(await client.call('exists', 'shared-name')).toBe(0)
  })

  it('uses the default prefix scopeguard: when none is given', async () => {
    fresh()
    const name = `default-prefix-test:${uniquePrefix()}`
    const plain = createRedisStore({ client })
    await plain.set(name, 'v', 5_000, 'cache')
    expect(await client.call('get', `scopeguard:c:${name}`)).toBe('1:v')
    await plain.delete(name, 'cache')
  })

  it('keeps cache and state in separate key spaces (<prefix>c: and <prefix>s:), untagged', async () => {
    fresh()
    await store.set('same-name', 'cached', 10_000, 'cache')
    await expect(store.get('same-name', 'state')).resolves.toBeUndefined()
    await expect(store.setIfAbsent('same-name', 'marker', 10_000, 'state')).resolves.toBe(true)
    await expect(store.get('same-name', 'cache')).resolves.toBe('cached')
    await expect(store.get('same-name', 'state')).resolves.toBe('marker')
    expect(await client.call('get', `${prefix}c:same-name`)).toBe('1:cached')
    expect(await client.call('get', `${prefix}s:same-name`)).toBe('1:marker')
    expect(await client.call('exists', `${prefix}same-name`)).toBe(0)
  })

  it('stores versioned values; another format reads as absent for cache, present for state', async () => {
    fresh()
    await store.set('k', 'value:with:colons', 10_000, 'cache')
    expect(await client.call('get', `${prefix}c:k`)).toBe('1:value:with:colons')
    // Entries written by another (older or newer) format, or by someone else.
    for (const [name, raw] of [
      ['legacy', '{"active":true}'],
      ['future', '2:{"active":true}'],
      ['empty', ''],
    ] as const) {
      await client.call('set', `${prefix}c:${name}`, raw, 'PX', 10_000)
      await client.call('set', `${prefix}s:${name}`, raw, 'PX', 10_000)
      // A cache miss only costs a refetch…
      await expect(store.get(name, 'cache')).resolves.toBeUndefined()
      // …but a revocation or replay marker in a format this version does not know still counts.
      const state = await store.get(name, 'state')
      expect(state, name).toBeDefined()
      // Never a value that could pass as a DPoP nonce ([A-Za-z0-9_-]{16,128}).
      expect(state, name).not.toMatch(/^[\w-]{16,128}$/)
    }
    // An entry of another format still exists: a replay marker must not be overwritten.
    await expect(store.setIfAbsent('legacy', 'v', 10_000, 'state')).resolves.toBe(false)
    await expect(store.setIfAbsent('future', 'v', 10_000, 'cache')).resolves.toBe(false)
    await expect(store.get('k', 'cache')).resolves.toBe('value:with:colons')
  })

  it('stores empty and non-ASCII values unchanged', async () => {
    fresh()
    await store.set('empty', '', 10_000, 'state')
    await store.set('text', 'ünïcödé ✓ {"a":1}', 10_000, 'cache')
    await expect(store.get('empty', 'state')).resolves.toBe('')
    await expect(store.get('text', 'cache')).resolves.toBe('ünïcödé ✓ {"a":1}')
  })

  it('refuses a kind other than cache or state', async () => {
    fresh()
    // @ts-expect-error not a StoreKind
    await expect(store.get('k', 'other')).rejects.toThrow(TypeError)
    // @ts-expect-error a kind is required
    await expect(store.set('k', 'v', 1_000)).rejects.toThrow(/kind/)
  })
})
