import { createHash } from 'node:crypto'
import { createTestIssuer, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChallenges } from './challenge.js'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import type { RequestLike } from './request.js'
import { requireClaim, requireScope } from './requirements.js'
import { createResourceServer } from './resource-server.js'
import { silentLogger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import type { Store } from './store.js'

const AUDIENCE = 'https://api.example.test'
const CERTIFICATE = new TextEncoder().encode('DER bytes of a client certificate')
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

function bearer(token: string, extra: Partial<RequestLike> = {}): RequestLike {
  return { method: 'GET', url: '/files', headers: { authorization: `Bearer ${token}` }, ...extra }
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

describe('createResourceServer with discovery', () => {
  it('discovers the JWKS from the issuer metadata and returns a complete auth object', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    const token = await issuer.sign({
      scope: 'files:read files:write',
      act: { sub: 'service-a', client_id: 'svc', act: { sub: 'service-b' } },
      cnf: { 'x5t#S256': createHash('sha256').update(CERTIFICATE).digest('base64url') },
    })
    const auth = await rs.authenticate({ ...bearer(token), clientCertificate: CERTIFICATE })
    expect(auth.token).toBe(token)
    expect(auth.tokenType).toBe('Bearer')
    expect(auth.source).toBe('header')
    expect(auth.subject).toBe('user-123')
    expect(auth.clientId).toBe('client-abc')
    expect(auth.issuer).toBe(issuer.issuer)
    expect(auth.audience).toEqual([AUDIENCE])
    expect(auth.scopes).toEqual(['files:read', 'files:write'])
    // In seconds, as the claims and the MCP SDK's AuthInfo have them.
    expect(auth.expiresAt).toBe(auth.claims.exp)
    expect(auth.issuedAt).toBe(auth.claims.iat)
    expect(Number.isInteger(auth.expiresAt)).toBe(true)
    expect(auth.resource?.href).toBe(new URL(AUDIENCE).href)
    expect(auth.extra).toBe(auth.claims)
    expect(auth.actors.map((a) => a.subject)).toEqual(['service-a', 'service-b'])
    expect(auth.actors[0]?.clientId).toBe('svc')
    expect(auth.confirmation).toEqual({
      'x5t#S256': createHash('sha256').update(CERTIFICATE).digest('base64url'),
    })
    expect(auth.header['typ']).toBe('at+jwt')
  })

  it('accepts ES256 and EdDSA tokens from the same issuer', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const auth = await rs.authenticate(bearer(await issuer.sign({}, { alg })))
      expect(auth.header['alg']).toBe(alg)
    }
  })

  it('works with an issuer that has a path (RFC 8414 path insertion)', async () => {
    const tenant = await createTestIssuer({ path: '/tenant1', audience: AUDIENCE })
    try {
      const rs = createResourceServer({ issuer: tenant.issuer, audience: AUDIENCE })
      const auth = await rs.authenticate(bearer(await tenant.sign()))
      expect(auth.issuer).toBe(`${tenant.origin}/tenant1`)
    } finally {
      await tenant.close()
    }
  })

  it('falls back to OpenID discovery when RFC 8414 metadata is missing', async () => {
    const oidcOnly = await createTestIssuer({ audience: AUDIENCE, metadata: { oauth: false } })
    try {
      const rs = createResourceServer({ issuer: oidcOnly.issuer, audience: AUDIENCE })
      await expect(rs.authenticate(bearer(await oidcOnly.sign()))).resolves.toBeDefined()
    } finally {
      await oidcOnly.close()
    }
  })

  it('rejects a token from another issuer with the same keys as invalid_token', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    const token = await issuer.sign({ iss: `${issuer.issuer}/` })
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('issuer_mismatch')
  })

  it('answers 503 without a challenge when the keys cannot be loaded, and warmUp explains why', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign()
    down.setFault('jwks', { status: 500 })
    const rs = createResourceServer({
      issuer: down.issuer,
      audience: AUDIENCE,
      logger: silentLogger,
    })
    try {
      await expect(rs.warmUp()).rejects.toThrow(/cannot load signing keys: .*answered 500/)
      const error = await rejection(
        createResourceServer({
          issuer: down.issuer,
          audience: AUDIENCE,
          logger: silentLogger,
        }).authenticate(bearer(token)),
      )
      expect(error.status).toBe(503)
      expect(error.code).toBe('temporarily_unavailable')
      expect(error.headers['WWW-Authenticate']).toBeUndefined()
      expect(JSON.stringify(error.toJSON())).not.toContain('500')
    } finally {
      await down.close()
    }
  })

  it('refreshes day-old metadata in the background, and keeps the old document if that fails', async () => {
    const tenant = await createTestIssuer({ audience: AUDIENCE })
    let clock = Date.now()
    const rs = createResourceServer({
      issuer: tenant.issuer,
      audience: AUDIENCE,
      now: () => clock,
      logger: silentLogger,
    })
    try {
      const token = await tenant.sign({ exp: Math.floor(clock / 1000) + 3 * 86_400 })
      await rs.authenticate(bearer(token))
      expect(tenant.requestCount('metadata')).toBe(1)
      clock += 25 * 3_600_000 // keys and metadata are now stale
      await rs.authenticate(bearer(token)) // answered from cache, refresh starts behind it
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(tenant.requestCount('metadata')).toBe(2)
      expect(tenant.requestCount('jwks')).toBe(2)
      tenant.setFault('metadata', { status: 500 })
      clock += 25 * 3_600_000
      await rs.authenticate(bearer(token))
      await new Promise((resolve) => setTimeout(resolve, 200))
      tenant.setFault('metadata', undefined)
      // the failed metadata refresh did not stop key refreshes from the known jwks_uri
      expect(tenant.requestCount('jwks')).toBe(3)
      await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    } finally {
      await tenant.close()
    }
  })

  it('reports metadata that names another issuer, at warmUp', async () => {
    const liar = await createTestIssuer({
      audience: AUDIENCE,
      metadata: { extra: { issuer: 'https://honest.example' } },
    })
    try {
      const rs = createResourceServer({
        issuer: liar.issuer,
        audience: AUDIENCE,
        logger: silentLogger,
      })
      await expect(rs.warmUp()).rejects.toThrow(/names issuer "https:\/\/honest.example"/)
    } finally {
      await liar.close()
    }
  })
  it("runs the store's own warmUp check, and fails with its error", async () => {
    const calls: string[] = []
    const store = (verdict: Error | undefined): Store => ({
      ...createMemoryStore(),
      async warmUp() {
        calls.push('store')
        if (verdict) throw verdict
      },
    })
    const options = { issuer: issuer.issuer, audience: AUDIENCE, logger: silentLogger }
    await createResourceServer({ ...options, store: store(undefined) }).warmUp()
    expect(calls).toEqual(['store'])
    const refused = createResourceServer({ ...options, store: store(new Error('evicts state')) })
    await expect(refused.warmUp()).rejects.toThrow('evicts state')
    expect(calls).toEqual(['store', 'store'])
    // A store without warmUp (the interface's method is optional) needs nothing.
    await expect(
      createResourceServer({ ...options, store: createMemoryStore() }).warmUp(),
    ).resolves.toBeUndefined()
  })
})

describe('key sources', () => {
  it('verifies with an explicit jwksUri without fetching metadata', async () => {
    issuer.resetCounts()
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwksUri: issuer.jwksUri,
    })
    await rs.authenticate(bearer(await issuer.sign()))
    expect(issuer.requestCount('metadata')).toBe(0)
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('verifies with a static JWKS without any request', async () => {
    issuer.resetCounts()
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwks: issuer.jwks() as never,
    })
    await rs.authenticate(bearer(await issuer.sign()))
    expect(issuer.requestCount('all')).toBe(0)
  })

  it('verifies HS256 only with a configured secret and never with public keys', async () => {
    const secret = 'a-very-long-shared-secret-of-32+bytes!!'
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, secret })
    await expect(
      rs.authenticate(bearer(await issuer.sign({}, { alg: 'HS256', secret }))),
    ).resolves.toBeDefined()
    const rsa = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwks: issuer.jwks() as never,
    })
    const confused = await issuer.sign({}, { alg: 'HS256', secret: issuer.publicKeyPem('RS256') })
    const error = await rejection(rsa.authenticate(bearer(confused)))
    expect(error.reason).toBe('algorithm_not_allowed')
  })
})

describe('authenticate options', () => {
  const rs = () =>
    createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, realm: 'files' })

  it('lets a request without a token through as anonymous on an optional route', async () => {
    await expect(
      rs().authenticate({ method: 'GET', url: '/', headers: {} }, { optional: true }),
    ).resolves.toBeUndefined()
  })

  it('still rejects an invalid token on an optional route', async () => {
    const error = await rejection(
      rs().authenticate(bearer(tamper(await issuer.sign())), { optional: true }),
    )
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
  })

  it('still rejects a malformed header on an optional route', async () => {
    const error = await rejection(rs().authenticate(bearer('a b'), { optional: true }))
    expect(error.status).toBe(400)
  })

  it('puts the realm in every challenge', async () => {
    const error = await rejection(rs().authenticate({ method: 'GET', url: '/', headers: {} }))
    const [challenge] = parseChallenges(error.headers['WWW-Authenticate'] as string)
    expect(challenge).toEqual({ scheme: 'Bearer', params: { realm: 'files' } })
  })

  it('reads a query token only on routes that enable it, with a custom parameter name', async () => {
    const server = rs()
    const token = await issuer.sign()
    const request = { method: 'GET', url: `/img/1.png?ssoToken=${token}`, headers: {} }
    const missing = await rejection(server.authenticate(request))
    expect(missing.code).toBe('missing_token')
    const auth = await server.authenticate(request, { query: 'ssoToken' })
    expect(auth.source).toBe('query')
  })

  it('answers 400 for a header token plus an access_token parameter the route does not read', async () => {
    const token = await issuer.sign()
    const query = await rejection(
      rs().authenticate(bearer(token, { url: `/files?access_token=${token}` })),
    )
    expect(query.status).toBe(400)
    expect(query.reason).toBe('multiple_methods')
    const body = await rejection(
      rs().authenticate(
        bearer(token, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: { access_token: token },
        }),
      ),
    )
    expect(body.status).toBe(400)
    const alone = await rejection(
      rs().authenticate({ method: 'GET', url: `/files?access_token=${token}`, headers: {} }),
    )
    expect(alone.code).toBe('missing_token')
  })

  it('applies scope implications to requirements but reports the granted scopes', async () => {
    const server = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      scopes: { implies: { base: ['files'], files: ['files:read'] } },
    })
    const auth = await server.authenticate(bearer(await issuer.sign({ scope: 'base' })))
    expect(auth.scopes).toEqual(['base'])
    expect([...auth.effectiveScopes].sort()).toEqual(['base', 'files', 'files:read'])
    expect(() => server.authorize(auth, requireScope('files:read'))).not.toThrow()
    let thrown: unknown
    try {
      server.authorize(auth, requireScope('files:write'))
    } catch (error) {
      thrown = error
    }
    expect(isOAuthError(thrown) && thrown.status).toBe(403)
    const header = (thrown as OAuthError).headers['WWW-Authenticate'] as string
    expect(parseChallenges(header)[0]?.params).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:write',
    })
  })

  it('answers a failed claim requirement with 403, not 401', async () => {
    const server = rs()
    const auth = await server.authenticate(bearer(await issuer.sign({ tenant: 'acme' })))
    expect(() => server.authorize(auth, requireClaim('tenant', 'acme'))).not.toThrow()
    expect(() => server.authorize(auth, requireClaim('tenant', 'other'))).toThrow(
      expect.objectContaining({ status: 403, code: 'insufficient_scope' }),
    )
  })

  it('verifies a bare token with verifyToken', async () => {
    const auth = await rs().verifyToken(await issuer.sign({ scope: 'x' }))
    expect(auth.scopes).toEqual(['x'])
  })
})

describe('strict RFC 9068 profile', () => {
  it('requires typ at+jwt and every RFC 9068 claim', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, strict: true })
    await expect(rs.authenticate(bearer(await issuer.sign()))).resolves.toBeDefined()
    const untyped = await rejection(rs.authenticate(bearer(await issuer.sign({}, { typ: 'JWT' }))))
    expect(untyped.reason).toBe('unsupported_token_type')
    const noJti = await rejection(rs.authenticate(bearer(await issuer.sign({ jti: undefined }))))
    expect(noJti.reason).toBe('missing_claim')
    expect(noJti.description).toBe('The access token has no jti claim')
  })

  it('accepts untyped tokens by default but refuses ID-token-shaped ones', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    await expect(
      rs.authenticate(bearer(await issuer.sign({}, { typ: null }))),
    ).resolves.toBeDefined()
    const idToken = await rejection(
      rs.authenticate(bearer(await issuer.sign({ nonce: 'n' }, { typ: 'JWT' }))),
    )
    expect(idToken.reason).toBe('unsupported_token_type')
  })
})

describe('configuration errors', () => {
  const base = { issuer: 'https://auth.example.com', audience: AUDIENCE }
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown option (typo)', { ...base, audiance: 'x' }, /unknown option "audiance"/],
    ['no audience', { issuer: base.issuer }, /audience must be/],
    [
      'an http issuer off loopback',
      { ...base, issuer: 'http://auth.example.com' },
      /allowInsecureHttp/,
    ],
    [
      'an issuer with a query',
      { ...base, issuer: 'https://auth.example.com/?x=1' },
      /query or fragment/,
    ],
    [
      'two key sources',
      { ...base, jwksUri: 'https://auth.example.com/jwks', secret: 'x'.repeat(32) },
      /only one key source/,
    ],
    ['alg none', { ...base, algorithms: ['none'] }, /"none" is never accepted/],
    ['HS256 without a secret', { ...base, algorithms: ['HS256'] }, /needs a shared secret/],
    [
      'RS256 with a secret',
      { ...base, secret: 'x'.repeat(32), algorithms: ['RS256'] },
      /cannot be used with a secret/,
    ],
    ['a short secret', { ...base, secret: 'short' }, /needs at least 32/],
    ['a negative clock tolerance', { ...base, clockTolerance: -1 }, /clockTolerance/],
    ['an empty JWKS', { ...base, jwks: { keys: [] } }, /no usable public signing keys/],
  ]
  for (const [name, options, message] of cases) {
    it(`rejects ${name} at construction with an actionable message`, () => {
      expect(() => createResourceServer(options as never)).toThrow(ConfigurationError)
      expect(() => createResourceServer(options as never)).toThrow(message)
    })
  }

  it('allows a plain http issuer on loopback and anywhere with allowInsecureHttp', () => {
    expect(() => createResourceServer({ ...base, issuer: 'http://127.0.0.1:8080' })).not.toThrow()
    expect(() =>
      createResourceServer({ ...base, issuer: 'http://auth.internal', allowInsecureHttp: true }),
    ).not.toThrow()
  })
})
