import { describe, expect, it } from 'vitest'
import { createDpopNonces } from './dpop-nonce.js'
import { createMemoryStore } from './memory-store.js'
import type { Store } from './store.js'

const SECRET = 'thirty-two bytes of shared secret!'

describe('HMAC nonces (secret)', () => {
  it('are stable within a period, accepted one period either side, then refused', async () => {
    let now = 1_000_000_000_000
    const nonces = createDpopNonces(
      { secret: SECRET, rotationSeconds: 60 },
      createMemoryStore(),
      () => now,
    )
    const first = await nonces.current()
    expect(first).toMatch(/^[\w-]{43}$/)
    expect(await nonces.current()).toBe(first)
    now += 60_000
    expect(await nonces.current()).not.toBe(first)
    expect(await nonces.isValid(first)).toBe(true)
    now -= 120_000
    expect(await nonces.isValid(first)).toBe(true)
    now += 180_000
    expect(await nonces.isValid(first)).toBe(false)
  })

  it('depend on the secret and refuse malformed values', async () => {
    const now = () => 1_000_000_000_000
    const a = createDpopNonces({ secret: SECRET }, createMemoryStore(), now)
    const b = createDpopNonces(
      { secret: new TextEncoder().encode(SECRET) },
      createMemoryStore(),
      now,
    )
    const c = createDpopNonces({ secret: `${SECRET}?` }, createMemoryStore(), now)
    const nonce = await a.current()
    expect(await b.isValid(nonce)).toBe(true)
    expect(await c.isValid(nonce)).toBe(false)
    expect(await a.isValid(`${nonce.slice(0, -1)}${nonce.endsWith('A') ? 'B' : 'A'}`)).toBe(false)
    expect(await a.isValid('"quoted"')).toBe(false)
    expect(await a.isValid('')).toBe(false)
  })
})

describe('store-kept nonces (no secret)', () => {
  it('are random per period, shared through the store, and accepted for one more period', async () => {
    let now = 2_000_000_000_000
    const store = createMemoryStore({ now: () => now })
    const a = createDpopNonces({ rotationSeconds: 10 }, store, () => now)
    const b = createDpopNonces({ rotationSeconds: 10 }, store, () => now)
    const [x, y] = await Promise.all([a.current(), b.current()])
    expect(x).toBe(y)
    expect(await b.isValid(x)).toBe(true)
    now += 10_000
    const next = await b.current()
    expect(next).not.toBe(x)
    expect(await a.isValid(x)).toBe(true)
    expect(await a.isValid(next)).toBe(true)
    now += 10_000
    expect(await a.isValid(x)).toBe(false)
    const elsewhere = createDpopNonces({ rotationSeconds: 10 }, createMemoryStore(), () => now)
    expect(await elsewhere.isValid(next)).toBe(false)
  })

  it('pass store failures on (the resource server fails closed)', async () => {
    const broken: Store = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      setIfAbsent: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    }
    const nonces = createDpopNonces({}, broken, Date.now)
    await expect(nonces.current()).rejects.toThrow('down')
    await expect(nonces.isValid('a'.repeat(32))).rejects.toThrow('down')
  })
})
