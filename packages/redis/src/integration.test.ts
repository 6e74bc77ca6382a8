import {
  createMemoryStore,
  createResourceServer,
  isOAuthError,
  type RequestLike,
  type ResourceServer,
  type ResourceServerOptions,
  type Store,
} from '@scopeguard/core'
import { createTestDpopKey, createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { Redis, type Cluster } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  connectCluster,
  connectSingle,
  dedicatedRedis,
  RECOMMENDED,
  uniquePrefix,
  useResource,
} from '../test/redis-env.js'
import { createRedisStore } from './redis-store.js'

const AUDIENCE = 'https://api.example.test'
/** The origin clients use (behind a load balancer): DPoP proofs name it in `htu`. */
const ORIGIN = 'https://api.example.test'
const FILES = `${ORIGIN}/files`
const inAnHour = (): Date => new Date(Date.now() + 3_600_000)
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

const useIssuer = () =>
  useResource(
    () =>
      createTestIssuer({
        audience: AUDIENCE,
        clients: [{ clientId: 'rs', clientSecret: 'secret' }],
      }),
    (issuer) => issuer.close(),
  )

/** One resource server instance, as a separate process would have it: its own client and store. */
function instance(
  issuer: TestIssuer,
  store: Store,
  extra: Partial<ResourceServerOptions> = {},
): ResourceServer {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
    },
    revocation: true,
    store,
    publicOrigin: ORIGIN,
    logger: false,
    ...extra,
  })
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

// Two resource server instances sharing one Redis (each with its own connection), through the core.
describe.each([
  { topology: 'single node', connect: connectSingle },
  { topology: 'Redis Cluster', connect: connectCluster },
])('two resource servers sharing one Redis ($topology)', ({ connect }) => {
  const issuer = useIssuer()
  let clients: (Redis | Cluster)[] = []
  let a: ResourceServer
  let b: ResourceServer
  let prefix: string
  beforeEach(async () => {
    prefix = uniquePrefix()
    clients = [await connect(), await connect()]
    const [first, second] = clients.map((client) => createRedisStore({ client, prefix }))
    a = instance(issuer(), first!)
    b = instance(issuer(), second!)
    issuer().resetCounts()
  })
  afterEach(() => {
    for (const client of clients) client.disconnect()
  })

  it('honours on one instance a revocation by jti made through the other', async () => {
    const revoked = await issuer().sign({ jti: 'revoked-jti' })
    const other = await issuer().sign({ jti: 'other-jti' })
    await expect(b.authenticate(bearer(revoked))).resolves.toBeDefined()
    await a.revoke({ jti: 'revoked-jti', expiresAt: inAnHour() })
    const error = await rejection(b.authenticate(bearer(revoked)))
    expect(isOAuthError(error) && [error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'revoked',
    ])
    await expect(b.authenticate(bearer(other))).resolves.toBeDefined()
  })

  it('honours a revocation of an opaque token by value, storing only its hash', async () => {
    const token = issuer().issueOpaque()
    await a.revoke({ token, expiresAt: inAnHour() })
    await expect(b.authenticate(bearer(token))).rejects.toMatchObject({ reason: 'revoked' })
    const client = clients[0]!
    const keys = await scanAll(client, `${prefix}*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.join()).not.toContain(token)
  })

  it('introspects an opaque token once for both instances', async () => {
    const token = issuer().issueOpaque({ sub: 'alice' }, { scope: 'files:read' })
    const first = await a.authenticate(bearer(token))
    expect(issuer().requestCount('introspection')).toBe(1)
    const second = await b.authenticate(bearer(token))
    expect(issuer().requestCount('introspection')).toBe(1)
    expect([first?.subject, second?.subject, second?.scopes]).toEqual([
      'alice',
      'alice',
      ['files:read'],
    ])
  })

  it('shares an inactive answer too, so a revoked opaque token is refused by both', async () => {
    const token = issuer().issueOpaque()
    issuer().revoke(token)
    await expect(a.authenticate(bearer(token))).rejects.toMatchObject({ code: 'invalid_token' })
    await expect(b.authenticate(bearer(token))).rejects.toMatchObject({ code: 'invalid_token' })
    expect(issuer().requestCount('introspection')).toBe(1)
  })

  it('refuses on one instance a DPoP proof the other accepted, and accepts a raced proof once', async () => {
    const key = await createTestDpopKey()
    const token = await issuer().sign({ cnf: { jkt: key.jkt } })
    const proof = await key.proof('GET', FILES, token)
    await expect(a.authenticate(dpop(token, proof))).resolves.toBeDefined()
    const replay = await rejection(b.authenticate(dpop(token, proof)))
    expect(isOAuthError(replay) && [replay.status, replay.code, replay.reason]).toEqual([
      401,
      'invalid_dpop_proof',
      'dpop_replay',
    ])
    // One proof sent to both instances at once, several times each: accepted exactly once.
    const raced = await key.proof('GET', FILES, token)
    const outcomes = await Promise.allSettled(
      [a, b, a, b, a, b].map((rs) => rs.authenticate(dpop(token, raced))),
    )
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
  })

  it('shares DPoP server nonces kept in the store between instances', async () => {
    const [first, second] = clients.map((client) =>
      instance(issuer(), createRedisStore({ client, prefix }), { dpop: { nonce: true } }),
    )
    const key = await createTestDpopKey()
    const token = await issuer().sign({ cnf: { jkt: key.jkt } })
    const asked = await rejection(
      first!.authenticate(dpop(token, await key.proof('GET', FILES, token))),
    )
    expect(isOAuthError(asked) && [asked.status, asked.code]).toEqual([401, 'use_dpop_nonce'])
    const nonce = (asked as unknown as { nonce: string }).nonce
    expect(nonce).toMatch(/^[\w-]{16,}$/)
    // The nonce one instance handed out is valid on the other…
    await expect(
      second!.authenticate(dpop(token, await key.proof('GET', FILES, token, nonce))),
    ).resolves.toBeDefined()
    // …because it lives in Redis: an instance with a store of its own does not know it.
    const isolated = instance(issuer(), createMemoryStore(), { dpop: { nonce: true } })
    await expect(
      isolated.authenticate(dpop(token, await key.proof('GET', FILES, token, nonce))),
    ).rejects.toMatchObject({ code: 'use_dpop_nonce' })
  })

  /** Every key matching `pattern`, on every node of a cluster. */
  async function scanAll(client: Redis | Cluster, pattern: string): Promise<string[]> {
    const nodes = 'nodes' in client ? client.nodes('master') : [client]
    const keys: string[] = []
    for (const node of nodes) keys.push(...(await node.keys(pattern)))
    return keys
  }
})

describe('resource servers on a Redis that stops and comes back', () => {
  const issuer = useIssuer()
  const server = useResource(dedicatedRedis, (s) => s.stop())
  let client: Redis
  beforeEach(async () => {
    client = new Redis(server().url, { ...RECOMMENDED, retryStrategy: () => 50 })
    client.on('error', () => {})
    await client.connect()
  })
  afterEach(async () => {
    client.disconnect()
    await server().start()
  })

  it('refuses with 503 while revocations cannot be read, bypasses the cache, and recovers', async () => {
    const rs = instance(issuer(), createRedisStore({ client, prefix: uniquePrefix() }))
    const jwt = await issuer().sign({ jti: 'while-down' })
    const opaque = issuer().issueOpaque()
    await expect(rs.authenticate(bearer(jwt))).resolves.toBeDefined()
    await server().stop()

    // Revocation fails closed: 503, never a hang (Redis stays down until this has settled, so a
    // request waiting for it would show as this test's timeout).
    const error = await rejection(rs.authenticate(bearer(jwt)))
    expect(isOAuthError(error) && [error.status, error.code]).toEqual([
      503,
      'temporarily_unavailable',
    ])
    // The introspection cache fails open (the endpoint is asked), but the revocation check still
    // needs Redis, so an opaque token is refused with 503 as well.
    issuer().resetCounts()
    await expect(rs.authenticate(bearer(opaque))).rejects.toMatchObject({ status: 503 })
    expect(issuer().requestCount('introspection')).toBe(1)

    await server().start()
    const deadline = Date.now() + 15_000 // liveness only: reconnecting takes ~50 ms
    while (client.status !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await expect(rs.authenticate(bearer(jwt))).resolves.toBeDefined()
    await expect(rs.authenticate(bearer(opaque))).resolves.toBeDefined()
  })

  it('without the denylist, keeps verifying Bearer tokens while DPoP proofs fail closed with 503', async () => {
    const rs = instance(issuer(), createRedisStore({ client, prefix: uniquePrefix() }), {
      revocation: false,
    })
    const key = await createTestDpopKey()
    const bound = await issuer().sign({ cnf: { jkt: key.jkt } })
    await expect(
      rs.authenticate(dpop(bound, await key.proof('GET', FILES, bound))),
    ).resolves.toBeDefined()
    await server().stop()

    await expect(rs.authenticate(bearer(await issuer().sign()))).resolves.toBeDefined()
    await expect(rs.authenticate(bearer(issuer().issueOpaque()))).resolves.toBeDefined()
    // Never a hang: Redis stays down until this has settled.
    const error = await rejection(
      rs.authenticate(dpop(bound, await key.proof('GET', FILES, bound))),
    )
    expect(isOAuthError(error) && [error.status, error.code, error.reason]).toEqual([
      503,
      'temporarily_unavailable',
      'store_unavailable',
    ])

    await server().start()
    const deadline = Date.now() + 15_000 // liveness only: reconnecting takes ~50 ms
    while (client.status !== 'ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    await expect(
      rs.authenticate(dpop(bound, await key.proof('GET', FILES, bound))),
    ).resolves.toBeDefined()
  })

  it('keeps answering opaque tokens through the endpoint while the cache is down (no revocation)', async () => {
    const rs = createResourceServer({
      issuer: issuer().issuer,
      audience: AUDIENCE,
      introspection: {
        endpoint: issuer().introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 'secret',
      },
      store: createRedisStore({ client, prefix: uniquePrefix() }),
      // Only the shared cache in Redis is under test, not the core's in-process one.
      cache: false,
      logger: false,
    })
    await server().stop()
    issuer().resetCounts()
    const token = issuer().issueOpaque()
    await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    expect(issuer().requestCount('introspection')).toBe(2)
  })
})
