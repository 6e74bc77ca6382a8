// Features in combination: tenants × caches, the store's two kinds of entries under flood,
// freshness of shared introspection answers, the denylist's keys and lifetime, and the
// allowed-clients policy through the verified-token cache. Each case failed on the code before
// "trust at the seams" (issue 12).
import {
  createTestDpopKey,
  createTestIssuer,
  generateTestKey,
  type TestIssuer,
} from '@scopeguard/testing'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isOAuthError, type OAuthError } from './errors.js'
import { silentLogger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import type { IssuerOptions, ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const API_A = 'https://a.api.example.test'
const API_B = 'https://b.api.example.test'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: API_A,
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
  })
})
afterAll(async () => {
  await issuer.close()
})
beforeEach(() => {
  issuer.resetCounts()
})

const bearer = (token: string, tenant?: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `Bearer ${token}`, ...(tenant ? { 'x-tenant': tenant } : {}) },
})

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

describe('tenants of one issuer', () => {
  /** Two tenants of one identity provider: the same issuer, different audiences. */
  function tenants(extra: Partial<Record<'a' | 'b', Partial<IssuerOptions>>> = {}) {
    const a: IssuerOptions = { issuer: issuer.issuer, audience: API_A, ...extra.a }
    const b: IssuerOptions = { issuer: issuer.issuer, audience: API_B, ...extra.b }
    return createResourceServer({
      logger: silentLogger,
      // Fresh option objects per call, as a resolver reading a tenant table would return.
      resolveIssuer: (request) => {
        const tenant = (request.headers as Record<string, string>)['x-tenant']
        return tenant === 'a' ? { ...a } : tenant === 'b' ? { ...b } : undefined
      },
      // the test issuer is on loopback, which resolved tenants may not reach by default
      privateNetworks: 'allow',
    } as ResourceServerOptions)
  }

  it("never accepts tenant A's token on tenant B, in either order of first use", async () => {
    const tokenA = await issuer.sign({ aud: API_A })
    const tokenB = await issuer.sign({ aud: API_B })
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const rs = tenants()
      for (const tenant of order) {
        const own = tenant === 'a' ? tokenA : tokenB
        // twice each, so the verified-token cache admits and then serves the result
        for (let i = 0; i < 2; i++) {
          await expect(rs.authenticate(bearer(own, tenant))).resolves.toMatchObject({
            audience: [tenant === 'a' ? API_A : API_B],
          })
        }
      }
      expect((await rejection(rs.authenticate(bearer(tokenA, 'b')))).reason).toBe(
        'audience_mismatch',
      )
      expect((await rejection(rs.authenticate(bearer(tokenB, 'a')))).reason).toBe(
        'audience_mismatch',
      )
    }
  })

  it("keeps each tenant's key source: a tenant naming B's issuer with its own jwksUri cannot forge B's tokens", async () => {
    const attacker = await createTestIssuer({ audience: API_A })
    try {
      const forged = await new SignJWT({ sub: 'victim', client_id: 'x', aud: API_B })
        .setProtectedHeader({ alg: 'RS256', kid: (await attacker.publicJwk()).kid as string })
        .setIssuer(issuer.issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign((await generateTestKey('RS256')).privateKey)
      const viaAttackerKeys = await attacker.sign({ iss: issuer.issuer, aud: API_B })
      const rs = tenants({ a: { jwksUri: attacker.jwksUri, audience: API_B } })
      // the attacker's tenant (a) is used first and primes its own keys
      await expect(rs.authenticate(bearer(viaAttackerKeys, 'a'))).resolves.toBeDefined()
      for (const token of [viaAttackerKeys, forged]) {
        expect((await rejection(rs.authenticate(bearer(token, 'b')))).code).toBe('invalid_token')
      }
      await expect(
        rs.authenticate(bearer(await issuer.sign({ aud: API_B }), 'b')),
      ).resolves.toBeDefined()
    } finally {
      await attacker.close()
    }
  })

  it('builds one verifier per configuration, reused for equal options however often the resolver runs', async () => {
    const rs = tenants()
    for (let i = 0; i < 5; i++) {
      await rs.authenticate(bearer(await issuer.sign({ aud: API_A }), 'a'))
      await rs.authenticate(bearer(await issuer.sign({ aud: API_B }), 'b'))
    }
    // one JWKS fetch per tenant (each has its own keys), not one per request
    expect(issuer.requestCount('jwks')).toBe(2)
  })
})

describe('introspection answers shared through a store', () => {
  function introspecting(now: () => number, store: ReturnType<typeof createMemoryStore>) {
    return createResourceServer({
      issuer: issuer.issuer,
      audience: API_A,
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 'secret',
        cache: { maxTtlSeconds: 300 },
      },
      store,
      now,
      logger: silentLogger,
    })
  }

  it('are never reused past maxTtlSeconds from when they were obtained, whichever instance reads them', async () => {
    const clock = { ms: Date.now() }
    const now = () => clock.ms
    const store = createMemoryStore({ now })
    const first = introspecting(now, store)
    const second = introspecting(now, store)
    const token = issuer.issueOpaque({}, { expiresIn: 3600 })
    await first.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(1)
    clock.ms += 290_000
    // the second instance reads the answer from the store (twice: its cache now keeps it)
    await second.authenticate(bearer(token))
    await second.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(1)
    issuer.revoke(token)
    clock.ms += 11_000 // 301 s after the answer was obtained
    expect((await rejection(second.authenticate(bearer(token)))).reason).toBe('inactive')
    expect((await rejection(first.authenticate(bearer(token)))).reason).toBe('inactive')
    expect(issuer.requestCount('introspection')).toBe(2)
  })
})

describe('the revocation denylist', () => {
  it('refuses a revoked JWT until exp + clockTolerance, when it would be refused as expired anyway', async () => {
    const clock = { ms: Date.now() }
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: API_A,
      revocation: true,
      clockTolerance: 30,
      now: () => clock.ms,
      store: createMemoryStore({ now: () => clock.ms }),
      logger: silentLogger,
    })
    const exp = Math.floor(clock.ms / 1000) + 60
    const token = await issuer.sign({ exp })
    await rs.revoke({ token, expiresAt: new Date(exp * 1000) })
    for (const after of [0, 59_000, 61_000, 89_000]) {
      clock.ms = exp * 1000 - 60_000 + after
      expect((await rejection(rs.authenticate(bearer(token)))).reason).toBe('revoked')
    }
    clock.ms = exp * 1000 + 31_000
    expect((await rejection(rs.authenticate(bearer(token)))).reason).toBe('expired')
  })

  it('keys (issuer, jti) so that no pair can name another tenant’s token', async () => {
    const acme = `${issuer.issuer}/realms/acme`
    const rs = createResourceServer({
      issuers: [
        { issuer: acme, jwksUri: issuer.jwksUri },
        { issuer: `${acme}:prod`, jwksUri: issuer.jwksUri },
      ],
      audience: API_A,
      revocation: true,
      logger: silentLogger,
    })
    const expiresAt = new Date(Date.now() + 3_600_000)
    await rs.revoke({ jti: 'prod:x', issuer: acme, expiresAt })
    const other = await issuer.sign({ iss: `${acme}:prod`, jti: 'x' })
    await expect(rs.authenticate(bearer(other))).resolves.toMatchObject({ issuer: `${acme}:prod` })
    const revoked = await issuer.sign({ iss: acme, jti: 'prod:x' })
    expect((await rejection(rs.authenticate(bearer(revoked)))).reason).toBe('revoked')
    // a 1 MB jti is hashed like any other
    await rs.revoke({ jti: 'j'.repeat(1_000_000), issuer: acme, expiresAt })
  })

  it('refuses to revoke for an issuer that is not configured', async () => {
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: API_A,
      revocation: true,
      logger: silentLogger,
    })
    await expect(
      rs.revoke({
        jti: 'x',
        issuer: 'https://elsewhere.example',
        expiresAt: new Date(Date.now() + 60_000),
      }),
    ).rejects.toThrow(/not configured/)
  })
})

describe('allowed clients', () => {
  const options = (extra: Partial<ResourceServerOptions>): ResourceServerOptions => ({
    issuer: issuer.issuer,
    audience: API_A,
    logger: silentLogger,
    ...extra,
  })

  it('refuses tokens of other clients, and of none, with 401 invalid_token', async () => {
    const rs = createResourceServer(options({ allowedClients: ['app-1'] }))
    await expect(
      rs.authenticate(bearer(await issuer.sign({ client_id: 'app-1' }))),
    ).resolves.toBeDefined()
    // azp stands in for client_id (OpenID Connect)
    await expect(
      rs.authenticate(bearer(await issuer.sign({ client_id: undefined, azp: 'app-1' }))),
    ).resolves.toBeDefined()
    for (const claims of [{ client_id: 'app-2' }, { client_id: undefined }]) {
      const error = await rejection(rs.authenticate(bearer(await issuer.sign(claims))))
      expect([error.status, error.code, error.reason]).toEqual([
        401,
        'invalid_token',
        'client_not_allowed',
      ])
    }
    // verifyToken is the same door
    expect(
      (await rejection(rs.verifyToken(await issuer.sign({ client_id: 'app-2' })))).reason,
    ).toBe('client_not_allowed')
  })

  it('revokeClient takes effect at once for cached tokens, on every instance sharing the registry', async () => {
    const store = createMemoryStore()
    const one = createResourceServer(options({ allowedClients: 'registry', store }))
    const two = createResourceServer(options({ allowedClients: 'registry', store }))
    const token = await issuer.sign({ client_id: 'app-1' })
    expect((await rejection(one.authenticate(bearer(token)))).reason).toBe('client_not_allowed')
    await one.registerClient('app-1')
    for (let i = 0; i < 3; i++) {
      await expect(one.authenticate(bearer(token))).resolves.toBeDefined()
      await expect(two.authenticate(bearer(token))).resolves.toBeDefined()
    }
    await one.revokeClient('app-1')
    expect((await rejection(one.authenticate(bearer(token)))).reason).toBe('client_not_allowed')
    expect((await rejection(two.authenticate(bearer(token)))).reason).toBe('client_not_allowed')
  })

  it('fails closed (503) when the registry cannot be read', async () => {
    const memory = createMemoryStore()
    const rs = createResourceServer(
      options({
        allowedClients: 'registry',
        store: { ...memory, get: async () => Promise.reject(new Error('store down')) },
      }),
    )
    const error = await rejection(
      rs.authenticate(bearer(await issuer.sign({ client_id: 'app-1' }))),
    )
    expect([error.status, error.reason]).toEqual([503, 'store_unavailable'])
  })

  it('refuses a malformed allowedClients at construction, naming the option', () => {
    for (const allowedClients of ['app-1', [''], [1], {}]) {
      expect(() => createResourceServer(options({ allowedClients } as never))).toThrow(
        /allowedClients/,
      )
    }
    const rs = createResourceServer(options({}))
    return expect(rs.revokeClient('x')).rejects.toThrow(/allowedClients/)
  })
})

describe('security state under a flood', () => {
  it('10× its capacity of junk evicts no replay marker and no revocation; new proofs get 503 while full', async () => {
    const CAPACITY = 100
    const store = createMemoryStore({ maxEntries: CAPACITY, maxStateEntries: CAPACITY })
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: API_A,
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 'secret',
      },
      revocation: true,
      dpop: 'allowed',
      publicOrigin: 'https://api.example.test',
      store,
      logger: silentLogger,
    })
    const key = await createTestDpopKey()
    const htu = 'https://api.example.test/files'
    const dpopRequest = (token: string, proof: string): RequestLike => ({
      method: 'GET',
      url: '/files',
      headers: key.headers(token, proof),
    })
    const bound = await issuer.sign({ cnf: { jkt: key.jkt } })
    const captured = await key.proof('GET', htu, bound)
    await rs.authenticate(dpopRequest(bound, captured))
    const revoked = await issuer.sign({})
    await rs.revoke({ token: revoked, expiresAt: new Date(Date.now() + 3_600_000) })

    // 10× the capacity of junk opaque tokens (cached "inactive" answers) …
    for (let i = 0; i < 10 * CAPACITY; i++) {
      await rejection(rs.authenticate(bearer(`junk-${i}-${'x'.repeat(20)}`)))
    }
    // … and of the attacker's own valid DPoP requests
    let unavailable = 0
    for (let i = 0; i < 10 * CAPACITY; i++) {
      const proof = await key.proof('GET', htu, bound)
      const outcome = await rs.authenticate(dpopRequest(bound, proof)).then(
        () => 200,
        (error: OAuthError) => error.status,
      )
      if (outcome === 503) unavailable++
      else expect(outcome).toBe(200)
    }
    // the store filled up (capacity minus the two entries already there) and then failed closed
    expect(unavailable).toBe(10 * CAPACITY - (CAPACITY - 2))
    expect((await rejection(rs.authenticate(dpopRequest(bound, captured)))).reason).toBe(
      'dpop_replay',
    )
    expect((await rejection(rs.authenticate(bearer(revoked)))).reason).toBe('revoked')
    // 2,000 requests: a liveness bound only, for a loaded 2-core machine
  }, 180_000)
})
