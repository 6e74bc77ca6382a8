import { describe, expect, it } from 'vitest'
import { createMemoryStore, StoreFullError } from './memory-store.js'

function clocked(start = 1_000_000) {
  const clock = { now: start }
  return { clock, store: createMemoryStore({ now: () => clock.now }) }
}

describe('get, set and delete', () => {
  it('returns what was set, undefined for unknown keys, and replaces on set', async () => {
    const store = createMemoryStore()
    expect(await store.get('a', 'cache')).toBeUndefined()
    await store.set('a', 'one', 1000, 'cache')
    expect(await store.get('a', 'cache')).toBe('one')
    await store.set('a', 'two', 1000, 'cache')
    expect(await store.get('a', 'cache')).toBe('two')
    expect(await store.get('b', 'cache')).toBeUndefined()
  })

  it('deletes a key, and deleting an unknown key is a no-op', async () => {
    const store = createMemoryStore()
    await store.set('a', 'one', 1000, 'cache')
    await store.delete('a', 'cache')
    await store.delete('never-set', 'cache')
    expect(await store.get('a', 'cache')).toBeUndefined()
  })

  it('keeps empty strings', async () => {
    const store = createMemoryStore()
    await store.set('a', '', 1000, 'cache')
    expect(await store.get('a', 'cache')).toBe('')
  })
})

describe('TTL', () => {
  it('expires an entry exactly ttlMs after it was set', async () => {
    const { clock, store } = clocked()
    await store.set('a', 'one', 1000, 'cache')
    clock.now += 999
    expect(await store.get('a', 'cache')).toBe('one')
    clock.now += 1
    expect(await store.get('a', 'cache')).toBeUndefined()
    clock.now -= 500
    expect(await store.get('a', 'cache')).toBeUndefined()
  })

  it('restarts the TTL when a key is set again', async () => {
    const { clock, store } = clocked()
    await store.set('a', 'one', 1000, 'cache')
    clock.now += 800
    await store.set('a', 'two', 1000, 'cache')
    clock.now += 800
    expect(await store.get('a', 'cache')).toBe('two')
  })

  it('treats a non-positive TTL as a delete', async () => {
    const store = createMemoryStore()
    await store.set('a', 'one', 1000, 'cache')
    await store.set('a', 'two', 0, 'cache')
    expect(await store.get('a', 'cache')).toBeUndefined()
    await store.set('b', 'one', -5, 'cache')
    expect(await store.get('b', 'cache')).toBeUndefined()
  })
})

describe('setIfAbsent', () => {
  it('stores only when the key is absent and reports whether it did', async () => {
    const store = createMemoryStore()
    expect(await store.setIfAbsent('a', 'first', 1000, 'cache')).toBe(true)
    expect(await store.setIfAbsent('a', 'second', 1000, 'cache')).toBe(false)
    expect(await store.get('a', 'cache')).toBe('first')
  })

  it('stores again once the earlier entry expired or was deleted', async () => {
    const { clock, store } = clocked()
    await store.setIfAbsent('a', 'first', 1000, 'cache')
    clock.now += 1000
    expect(await store.setIfAbsent('a', 'second', 1000, 'cache')).toBe(true)
    expect(await store.get('a', 'cache')).toBe('second')
    await store.delete('a', 'cache')
    expect(await store.setIfAbsent('a', 'third', 1000, 'cache')).toBe(true)
  })

  it('applies its TTL', async () => {
    const { clock, store } = clocked()
    await store.setIfAbsent('a', 'first', 500, 'cache')
    clock.now += 500
    expect(await store.get('a', 'cache')).toBeUndefined()
  })

  it('lets exactly one of many concurrent callers win', async () => {
    const store = createMemoryStore()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.setIfAbsent('jti', `caller-${i}`, 1000, 'cache')),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await store.get('jti', 'cache')).toBe(`caller-${results.indexOf(true)}`)
  })

  it('stores nothing with a non-positive TTL', async () => {
    const store = createMemoryStore()
    await store.setIfAbsent('a', 'one', 0, 'cache')
    expect(await store.get('a', 'cache')).toBeUndefined()
  })
})

describe('LRU bound', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 3 })
    await store.set('a', '1', 10_000, 'cache')
    await store.set('b', '2', 10_000, 'cache')
    await store.set('c', '3', 10_000, 'cache')
    expect(await store.get('a', 'cache')).toBe('1') // a is now more recent than b
    await store.set('d', '4', 10_000, 'cache')
    expect(await store.get('b', 'cache')).toBeUndefined()
    expect(await Promise.all(['a', 'c', 'd'].map((key) => store.get(key, 'cache')))).toEqual([
      '1',
      '3',
      '4',
    ])
  })

  it('counts setIfAbsent entries too', async () => {
    const store = createMemoryStore({ maxEntries: 2 })
    await store.setIfAbsent('a', '1', 10_000, 'cache')
    await store.setIfAbsent('b', '2', 10_000, 'cache')
    await store.setIfAbsent('c', '3', 10_000, 'cache')
    expect(await store.get('a', 'cache')).toBeUndefined()
    expect(await store.get('c', 'cache')).toBe('3')
  })

  it('keeps 10,000 entries by default', async () => {
    const store = createMemoryStore()
    for (let i = 0; i <= 10_000; i += 1) await store.set(`k${i}`, String(i), 10_000, 'cache')
    expect(await store.get('k0', 'cache')).toBeUndefined()
    expect(await store.get('k1', 'cache')).toBe('1')
    expect(await store.get('k10000', 'cache')).toBe('10000')
  })
})

describe('state entries', () => {
  it('keeps state apart from the cache: no flood of cache entries evicts a live state entry', async () => {
    const store = createMemoryStore({ maxEntries: 10, maxStateEntries: 5 })
    await store.set('revoked', '1', 60_000, 'state')
    expect(await store.setIfAbsent('marker', '1', 60_000, 'state')).toBe(true)
    for (let i = 0; i < 1000; i += 1) await store.set(`junk${i}`, 'x', 60_000, 'cache')
    expect(await store.get('revoked', 'state')).toBe('1')
    expect(await store.setIfAbsent('marker', '1', 60_000, 'state')).toBe(false)
    // the two kinds are separate key spaces
    expect(await store.get('revoked', 'cache')).toBeUndefined()
  })

  it('refuses a new state entry when full instead of evicting a live one', async () => {
    const { clock, store } = clockedState(3)
    for (const key of ['a', 'b', 'c']) await store.set(key, '1', 10_000, 'state')
    await expect(store.set('d', '1', 10_000, 'state')).rejects.toBeInstanceOf(StoreFullError)
    await expect(store.setIfAbsent('d', '1', 10_000, 'state')).rejects.toMatchObject({
      code: 'store_full',
    })
    for (const key of ['a', 'b', 'c']) expect(await store.get(key, 'state')).toBe('1')
    // replacing a key that is already kept needs no room
    await store.set('a', '2', 10_000, 'state')
    expect(await store.get('a', 'state')).toBe('2')
    // an existing marker still reads as a replay while full
    expect(await store.setIfAbsent('b', '1', 10_000, 'state')).toBe(false)
    clock.now += 10_000
    await store.set('d', '1', 10_000, 'state')
    expect(await store.get('d', 'state')).toBe('1')
  })

  it('makes room once entries expire, and frees deleted ones at once', async () => {
    const { clock, store } = clockedState(2)
    await store.set('short', '1', 1_000, 'state')
    await store.set('long', '1', 60_000, 'state')
    await expect(store.set('x', '1', 1_000, 'state')).rejects.toBeInstanceOf(StoreFullError)
    clock.now += 1_000
    await store.set('x', '1', 1_000, 'state')
    await store.delete('long', 'state')
    await store.set('y', '1', 1_000, 'state')
    expect(await store.get('y', 'state')).toBe('1')
  })

  it('refuses wrong capacities', () => {
    expect(() => createMemoryStore({ maxStateEntries: 0 })).toThrow(/maxStateEntries/)
    expect(() => createMemoryStore({ maxEntries: 1.5 })).toThrow(/maxEntries/)
  })
})

function clockedState(maxStateEntries: number) {
  const clock = { now: 1_000_000 }
  return { clock, store: createMemoryStore({ now: () => clock.now, maxStateEntries }) }
}
