// Memory under flood (issue 12): the in-memory resource server's heap stays bounded when it gets
// ten times its capacity of junk, again and again — its caches evict, its security state refuses —
// where a store without bounds grows with every round. Heap sizes are read after a full garbage
// collection; nothing here depends on time.
import { runInNewContext } from 'node:vm'
import { setFlagsFromString } from 'node:v8'
import { createTestDpopKey, createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'
import type { Store } from './store.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const AUDIENCE = 'https://api.example.test'
const ORIGIN = 'https://api.example.test'
/** Capacity of the cache (junk introspection answers) and of the state (DPoP replay markers). */
const CACHE_CAPACITY = 50
const STATE_CAPACITY = 1000
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
  })
})
afterAll(async () => {
  await issuer.close()
})

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/** A store with no bound at all, for comparison: what the flood would cost without one. */
function unboundedStore(): Store {
  const entries = new Map<string, string>()
  const key = (k: string, kind: string) => `${kind}:${k}`
  return {
    async get(k, kind) {
      return entries.get(key(k, kind))
    },
    async set(k, value, _ttl, kind) {
      entries.set(key(k, kind), value)
    },
    async setIfAbsent(k, value, _ttl, kind) {
      if (entries.has(key(k, kind))) return false
      entries.set(key(k, kind), value)
      return true
    },
    async delete(k, kind) {
      entries.delete(key(k, kind))
    },
  }
}

/** Heap growth (bytes) in each round of 10× capacity of junk opaque tokens and DPoP proofs. */
async function growthUnderFlood(store: Store, rounds: number): Promise<number[]> {
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
      cache: { negativeTtlSeconds: 3600 },
    },
    dpop: 'allowed',
    publicOrigin: ORIGIN,
    store,
    logger: silentLogger,
  })
  const key = await createTestDpopKey()
  const bound = await issuer.sign({ cnf: { jkt: key.jkt } })
  const heaps: number[] = [heapUsed()]
  for (let round = 0; round < rounds; round++) {
    const pending: Promise<unknown>[] = []
    for (let i = 0; i < 10 * CACHE_CAPACITY; i++) {
      const junk: RequestLike = {
        method: 'GET',
        url: '/files',
        headers: { authorization: `Bearer junk-${round}-${i}-${'x'.repeat(40)}` },
      }
      pending.push(rs.authenticate(junk).catch(() => undefined))
      if (pending.length >= 16) await Promise.all(pending.splice(0))
    }
    for (let i = 0; i < 10 * STATE_CAPACITY; i++) {
      const proof = await key.proof('GET', `${ORIGIN}/files`, bound)
      const replayable: RequestLike = {
        method: 'GET',
        url: '/files',
        headers: key.headers(bound, proof),
      }
      pending.push(rs.authenticate(replayable).catch(() => undefined))
      if (pending.length >= 64) await Promise.all(pending.splice(0))
    }
    await Promise.all(pending)
    heaps.push(heapUsed())
  }
  return heaps.slice(1).map((heap, i) => heap - (heaps[i] as number))
}

describe('memory under flood', () => {
  it('stays bounded: after the first round fills it, further rounds of 10× capacity add next to nothing', async () => {
    // The first round of each run also warms up code and caches; rounds after it are compared.
    const unbounded = (await growthUnderFlood(unboundedStore(), 2)).slice(1)
    const bounded = (
      await growthUnderFlood(
        createMemoryStore({ maxEntries: CACHE_CAPACITY, maxStateEntries: STATE_CAPACITY }),
        3,
      )
    ).slice(1)
    // Without bounds every round keeps its 10,500 entries; with them, rounds two and three replace
    // cache entries and are refused state, so the heap does not grow with them.
    const perRoundUnbounded = Math.min(...unbounded)
    console.info(
      `heap growth per round of 10× capacity: unbounded ${unbounded.join(', ')} B; bounded ${bounded.join(', ')} B`,
    )
    expect(perRoundUnbounded).toBeGreaterThan(1_000_000)
    // Summed over both rounds (single readings swing by a few hundred KB either way): two rounds
    // of flood against the bounded store add less than half of what one round adds unbounded.
    const boundedTotal = bounded.reduce((sum, growth) => sum + growth, 0)
    expect(boundedTotal).toBeLessThan(perRoundUnbounded / 2)
  }, 300_000)
})
