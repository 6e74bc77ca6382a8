import { randomBytes } from 'node:crypto'
import {
  createResourceServer,
  isOAuthError,
  type RequestLike,
  type ResourceServer,
  type Store,
} from '@scopeguard/core'
import { createTestDpopKey, createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import {
  dedicatedRedis,
  RECOMMENDED,
  uniquePrefix,
  useResource,
  type DedicatedRedis,
} from '../test/redis-env.js'
import type { RedisStoreError } from './errors.js'
import { createRedisStore } from './redis-store.js'

// The red team's attack on real redis-servers of the test's own: a flood of unauthenticated random
// strings fills the introspection cache (each gets a cached "inactive" answer). Security state —
// DPoP replay markers and denylist entries — must survive it, and must still be writable.

const AUDIENCE = 'https://api.example.test'
const ORIGIN = 'https://api.example.test'
const FILES = `${ORIGIN}/files`
/** State entries of each kind written before the flood. */
const MARKERS = 150
const REVOCATIONS = 150
/** Random strings sent: ten times the cache entries the cache Redis has room for. */
const FLOOD = 2_000
/** The cache Redis's room above its empty use: about FLOOD / 10 cached answers. */
const CACHE_ROOM_BYTES = 48 * 1024

const bearer = (token: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `Bearer ${token}` },
})
const dpop = (token: string, proof: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `DPoP ${token}`, dpop: proof },
})
const inAnHour = (): Date => new Date(Date.now() + 3_600_000)

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  )
}

function instance(issuer: TestIssuer, store: Store): ResourceServer {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
      // Inactive answers stay cached for the whole test, however slow the machine.
      cache: { negativeTtlSeconds: 600 },
    },
    revocation: true,
    store,
    publicOrigin: ORIGIN,
    // Only the cache in Redis is under test, not the core's in-process one.
    cache: false,
    logger: false,
  })
}

/** The security state the flood must not touch: accepted DPoP proofs and revoked tokens. */
async function writeState(rs: ResourceServer, issuer: TestIssuer) {
  const key = await createTestDpopKey()
  const token = await issuer.sign({ cnf: { jkt: key.jkt } })
  const proofs: string[] = []
  for (let i = 0; i < MARKERS; i++) {
    const proof = await key.proof('GET', FILES, token)
    await rs.authenticate(dpop(token, proof))
    proofs.push(proof)
  }
  const revoked: string[] = []
  for (let i = 0; i < REVOCATIONS; i++) {
    const jti = `revoked-${i}-${randomBytes(8).toString('hex')}`
    revoked.push(await issuer.sign({ jti }))
    await rs.revoke({ jti, expiresAt: inAnHour() })
  }
  return {
    /** What replaying each accepted proof gives: `accepted`, or the refusal's reason. */
    async replays(): Promise<Record<string, number>> {
      const outcomes: Record<string, number> = {}
      for (const proof of proofs) {
        const outcome = await rejection(rs.authenticate(dpop(token, proof)))
        const reason = isOAuthError(outcome) ? String(outcome.reason) : 'accepted'
        outcomes[reason] = (outcomes[reason] ?? 0) + 1
      }
      return outcomes
    },
    /** How many revoked tokens are accepted again. */
    async revokedAccepted(): Promise<number> {
      let accepted = 0
      for (const jwt of revoked) {
        const outcome = await rejection(rs.authenticate(bearer(jwt)))
        if (!isOAuthError(outcome)) accepted++
        else expect(outcome.reason).toBe('revoked')
      }
      return accepted
    },
    /** A new proof with the same key, to see whether new markers can still be written. */
    fresh: async () => rs.authenticate(dpop(token, await key.proof('GET', FILES, token))),
  }
}

/** Sends `count` random unauthenticated strings, 25 at a time; each is refused as inactive. */
async function flood(rs: ResourceServer, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 25) {
    const outcomes = await Promise.all(
      Array.from({ length: Math.min(25, count - sent) }, () =>
        rejection(rs.authenticate(bearer(randomBytes(24).toString('base64url')))),
      ),
    )
    for (const outcome of outcomes) expect(outcome).toMatchObject({ code: 'invalid_token' })
  }
}

/**
 * Writes `count` cache entries like the core's cached inactive answers straight into the store
 * (faster than through the resource server); writes the full Redis refuses are skipped.
 */
async function fill(store: Store, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - sent) }, () =>
        store
          .set(
            `introspection:v2:${randomBytes(32).toString('base64url')}`,
            JSON.stringify({ v: 2, active: false, at: Date.now() }),
            600_000,
            'cache',
          )
          .catch(() => {}),
      ),
    )
  }
}

// Each test writes 300 state entries and sends 2,000 requests or cache entries: allow for a slow,
// shared machine.
describe('a flood of cached introspection answers', { timeout: 60_000 }, () => {
  const issuer = useResource(
    () =>
      createTestIssuer({
        audience: AUDIENCE,
        clients: [{ clientId: 'rs', clientSecret: 'secret' }],
      }),
    (started) => started.close(),
  )
  const servers = useResource(
    () => Promise.all([dedicatedRedis(), dedicatedRedis()]),
    (started: DedicatedRedis[]) => Promise.all(started.map((server) => server.stop())),
  )
  const clients: Redis[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) {
      await client.call('flushall')
      await client.call('config', 'set', 'maxmemory', 0, 'maxmemory-policy', 'noeviction')
      client.disconnect()
    }
  })
  /** A client on `server`, which gets `maxmemory` (bytes above its current use) and `policy`. */
  async function configured(server: DedicatedRedis, room: number, policy: string): Promise<Redis> {
    const client = new Redis(server.url, RECOMMENDED)
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    const info = String(await client.call('info', 'memory'))
    const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1])
    await client.call('config', 'set', 'maxmemory', used + room, 'maxmemory-policy', policy)
    return client
  }

  it('keeps every replay marker and revocation on a separate noeviction Redis, and new ones writable', async () => {
    const [cacheServer, stateServer] = servers()
    const cacheClient = await configured(cacheServer!, CACHE_ROOM_BYTES, 'noeviction')
    const stateClient = await configured(stateServer!, 64 << 20, 'noeviction')
    const failures: RedisStoreError[] = []
    const store = createRedisStore({
      client: cacheClient,
      stateClient,
      prefix: uniquePrefix(),
      failurePolicy: { onError: (error) => failures.push(error) },
      logger: false,
    })
    const rs = instance(issuer(), store)
    await rs.warmUp() // both Redis are accepted
    const state = await writeState(rs, issuer())

    await flood(rs, FLOOD)
    // The flood did fill the cache Redis: it holds at most a tenth of the answers, refused the rest.
    const cached = Number(await cacheClient.call('dbsize'))
    expect(cached).toBeGreaterThan(0)
    expect(cached * 10).toBeLessThanOrEqual(FLOOD)
    expect(failures.map((error) => `${error.operation}:${error.code}`)).toEqual(
      Array.from({ length: FLOOD - cached }, () => 'set:out_of_memory'),
    )

    // Every state entry is still there…
    expect(await state.replays()).toEqual({ dpop_replay: MARKERS })
    expect(await state.revokedAccepted()).toBe(0)
    expect(Number(await stateClient.call('dbsize'))).toBe(MARKERS + REVOCATIONS)
    // …and new ones can still be written: a fresh proof is accepted, a revocation succeeds.
    await expect(state.fresh()).resolves.toBeDefined()
    await expect(rs.revoke({ jti: 'after-the-flood', expiresAt: inAnHour() })).resolves.toBe(
      undefined,
    )
  })

  it('on one Redis that evicts (allkeys-lru): warmUp refuses, and the flood would evict state', async () => {
    const [server] = servers()
    const client = await configured(server!, CACHE_ROOM_BYTES * 4, 'allkeys-lru')
    const store = createRedisStore({ client, prefix: uniquePrefix(), logger: false })
    const rs = instance(issuer(), store)
    await expect(rs.warmUp()).rejects.toMatchObject({ code: 'unsafe_memory_policy' })

    // Why: the same flood on such a Redis evicts replay markers and revocations (fail open).
    const state = await writeState(rs, issuer())
    await fill(store, FLOOD)
    const replayed = (await state.replays())['accepted'] ?? 0
    expect(replayed + (await state.revokedAccepted())).toBeGreaterThan(0)
  })

  it('on one noeviction Redis that is full: new DPoP proofs get 503 and revoke() throws, nothing is evicted', async () => {
    const [server] = servers()
    const client = await configured(server!, CACHE_ROOM_BYTES * 4, 'noeviction')
    const store = createRedisStore({ client, prefix: uniquePrefix(), logger: false })
    const rs = instance(issuer(), store)
    await rs.warmUp()
    const state = await writeState(rs, issuer())
    await fill(store, FLOOD)

    // Redis refuses even a SET NX on an existing key when full, so a replay gets 503: refused either way.
    expect(await state.replays()).toEqual({ store_unavailable: MARKERS })
    expect(await state.revokedAccepted()).toBe(0)
    const refused = await rejection(state.fresh())
    expect(isOAuthError(refused) && [refused.status, refused.code, refused.reason]).toEqual([
      503,
      'temporarily_unavailable',
      'store_unavailable',
    ])
    await expect(rs.revoke({ jti: 'while-full', expiresAt: inAnHour() })).rejects.toMatchObject({
      code: 'out_of_memory',
      operation: 'set',
    })
  })
})
