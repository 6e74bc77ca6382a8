import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory-store.js'

function clocked(start = 1_000_000) {
  const clock = { now: start }
  return { clock, store: createMemoryStore({ now: () => clock.now }) }
}

describe('get, set and delete', () => {
  it('returns what was set, undefined for unknown keys, and replaces on set', async () => {
    const store = createMemoryStore()
    expect(await store.get('a')).toBeUndefined()
    await store.set('a', 'one', 1000)
    expect(await store.get('a')).toBe('one')
    await store.set('a', 'two', 1000)
    expect(await store.get('a')).toBe('two')
    expect(await store.get('b')).toBeUndefined()
  })

  it('deletes a key, and deleting an unknown key is a no-op', async () => {
    const store = createMemoryStore()
    await store.set('a', 'one', 1000)
    await store.delete('a')
    await store.delete('never-set')
    expect(await store.get('a')).toBeUndefined()
  })

  it('keeps empty strings', async () => {
    const store = createMemoryStore()
    await store.set('a', '', 1000)
    expect(await store.get('a')).toBe('')
  })
})

describe('TTL', () => {
  it('expires an entry exactly ttlMs after it was set', async () => {
    const { clock, store } = clocked()
    await store.set('a', 'one', 1000)
    clock.now += 999
    expect(await store.get('a')).toBe('one')
    clock.now += 1
    expect(await store.get('a')).toBeUndefined()
    clock.now -= 500
    expect(await store.get('a')).toBeUndefined()
  })

  it('restarts the TTL when a key is set again', async () => {
    const { clock, store } = clocked()
    await store.set('a', 'one', 1000)
    clock.now += 800
    await store.set('a', 'two', 1000)
    clock.now += 800
    expect(await store.get('a')).toBe('two')
  })

  it('treats a non-positive TTL as a delete', async () => {
    const store = createMemoryStore()
    await store.set('a', 'one', 1000)
    await store.set('a', 'two', 0)
    expect(await store.get('a')).toBeUndefined()
    await store.set('b', 'one', -5)
    expect(await store.get('b')).toBeUndefined()
  })
})

describe('setIfAbsent', () => {
  it('stores only when the key is absent and reports whether it did', async () => {
    const store = createMemoryStore()
    expect(await store.setIfAbsent('a', 'first', 1000)).toBe(true)
    expect(await store.setIfAbsent('a', 'second', 1000)).toBe(false)
    expect(await store.get('a')).toBe('first')
  })

  it('stores again once the earlier entry expired or was deleted', async () => {
    const { clock, store } = clocked()
    await store.setIfAbsent('a', 'first', 1000)
    clock.now += 1000
    expect(await store.setIfAbsent('a', 'second', 1000)).toBe(true)
    expect(await store.get('a')).toBe('second')
    await store.delete('a')
    expect(await store.setIfAbsent('a', 'third', 1000)).toBe(true)
  })

  it('applies its TTL', async () => {
    const { clock, store } = clocked()
    await store.setIfAbsent('a', 'first', 500)
    clock.now += 500
    expect(await store.get('a')).toBeUndefined()
  })

  it('lets exactly one of many concurrent callers win', async () => {
    const store = createMemoryStore()
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.setIfAbsent('jti', `caller-${i}`, 1000)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await store.get('jti')).toBe(`caller-${results.indexOf(true)}`)
  })

  it('stores nothing with a non-positive TTL', async () => {
    const store = createMemoryStore()
    await store.setIfAbsent('a', 'one', 0)
    expect(await store.get('a')).toBeUndefined()
  })
})

describe('LRU bound', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = createMemoryStore({ maxEntries: 3 })
    await store.set('a', '1', 10_000)
    await store.set('b', '2', 10_000)
    await store.set('c', '3', 10_000)
    expect(await store.get('a')).toBe('1') // a is now more recent than b
    await store.set('d', '4', 10_000)
    expect(await store.get('b')).toBeUndefined()
    expect(await Promise.all(['a', 'c', 'd'].map((key) => store.get(key)))).toEqual(['1', '3', '4'])
  })

  it('counts setIfAbsent entries too', async () => {
    const store = createMemoryStore({ maxEntries: 2 })
    await store.setIfAbsent('a', '1', 10_000)
    await store.setIfAbsent('b', '2', 10_000)
    await store.setIfAbsent('c', '3', 10_000)
    expect(await store.get('a')).toBeUndefined()
    expect(await store.get('c')).toBe('3')
  })

  it('keeps 10,000 entries by default', async () => {
    const store = createMemoryStore()
    for (let i = 0; i <= 10_000; i += 1) await store.set(`k${i}`, String(i), 10_000)
    expect(await store.get('k0')).toBeUndefined()
    expect(await store.get('k1')).toBe('1')
    expect(await store.get('k10000')).toBe('10000')
  })
})
