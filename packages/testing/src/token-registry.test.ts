import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_CLIENT_ID, DEFAULT_SUBJECT } from './claims.js'
import { generateTestKey } from './keys.js'
import { tamper } from './tamper.js'
import { createTestIssuer, type TestIssuer } from './test-issuer.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let authorization: string

beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    tokenLifetime: 600,
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
  })
  authorization = `Basic ${Buffer.from('rs:secret').toString('base64')}`
})
afterAll(async () => {
  await issuer.close()
})

async function answer(token: string): Promise<Record<string, unknown>> {
  const response = await fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ token }).toString(),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

const now = (): number => Math.floor(Date.now() / 1000)

describe('issueOpaque', () => {
  it('returns distinct random tokens that are not JWTs', () => {
    const tokens = new Set(Array.from({ length: 20 }, () => issuer.issueOpaque()))
    expect(tokens.size).toBe(20)
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(token).not.toContain('.')
    }
  })

  it('introspects as active with the default claims of sign() plus token_type', async () => {
    const before = Math.floor(now())
    const body = await answer(issuer.issueOpaque({}, { scope: ['items:read', 'items:write'] }))
    expect(body).toEqual({
      active: true,
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: DEFAULT_SUBJECT,
      client_id: DEFAULT_CLIENT_ID,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
      token_type: 'Bearer',
      scope: 'items:read items:write',
    })
    // iat is when the token was issued: between the clock readings taken around the call
    expect(body.iat).toBeGreaterThanOrEqual(before)
    expect(body.iat).toBeLessThanOrEqual(Math.ceil(now()))
    expect((body.exp as number) - (body.iat as number)).toBe(600)
    expect(Object.keys(body)[0]).toBe('active')
  })

  it('lets claims override and remove defaults, and uses expiresIn', async () => {
    const body = await answer(
      issuer.issueOpaque(
        { sub: 'svc', token_type: 'DPoP', cnf: { jkt: 'abc' }, jti: undefined },
        { expiresIn: 30 },
      ),
    )
    expect(body).toMatchObject({
      active: true,
      sub: 'svc',
      token_type: 'DPoP',
      cnf: { jkt: 'abc' },
    })
    expect(body).not.toHaveProperty('jti')
    expect((body.exp as number) - now()).toBeGreaterThan(25)
    expect((body.exp as number) - now()).toBeLessThanOrEqual(30)
  })

  it('adds only the given claims with defaults: false', async () => {
    const body = await answer(
      issuer.issueOpaque({ username: 'alice' }, { defaults: false, scope: 'a' }),
    )
    expect(body).toEqual({ active: true, username: 'alice', scope: 'a' })
    const expiring = await answer(issuer.issueOpaque({}, { defaults: false, expiresIn: 60 }))
    expect(expiring).toEqual({ active: true, exp: expect.any(Number) })
  })

  it('keeps active a boolean whatever the claims say', async () => {
    expect(await answer(issuer.issueOpaque({ active: 'false' }))).toMatchObject({ active: true })
  })

  it('keeps its own copy of the claims', async () => {
    const claims = { roles: ['admin'] }
    const token = issuer.issueOpaque(claims)
    claims.roles.push('root')
    expect(await answer(token)).toMatchObject({ roles: ['admin'] })
  })

  it('reports an expired token inactive', async () => {
    expect(await answer(issuer.issueOpaque({}, { expiresIn: -1 }))).toEqual({ active: false })
    expect(await answer(issuer.issueOpaque({ exp: now() - 5 }))).toEqual({ active: false })
  })

  it('does not check nbf, so an RS can be tested on it', async () => {
    const body = await answer(issuer.issueOpaque({ nbf: now() + 3600 }))
    expect(body).toMatchObject({ active: true })
  })

  it('rejects a non-finite expiresIn', () => {
    expect(() => issuer.issueOpaque({}, { expiresIn: Number.NaN })).toThrow(TypeError)
  })
})

describe('JWTs of the issuer', () => {
  it('introspects a valid JWT as active with its payload and token_type Bearer', async () => {
    const token = await issuer.sign({ scope: 'a b' })
    const body = await answer(token)
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    expect(body).toEqual({ active: true, token_type: 'Bearer', ...payload })
  })

  it('accepts every algorithm and key the issuer holds, even unpublished ones', async () => {
    for (const alg of ['ES256', 'EdDSA', 'PS256', 'ES384'] as const) {
      expect(await answer(await issuer.sign({}, { alg }))).toMatchObject({ active: true })
    }
    expect(await answer(await issuer.sign({}, { kid: null }))).toMatchObject({ active: true })
  })

  it('keeps a token_type from the payload', async () => {
    const body = await answer(await issuer.sign({ token_type: 'DPoP' }))
    expect(body).toMatchObject({ active: true, token_type: 'DPoP' })
  })

  it.each([
    ['expired', () => issuer.sign({}, { expiresIn: -10 })],
    ['tampered', async () => tamper(await issuer.sign())],
    ['unsigned', () => issuer.sign({}, { alg: 'none' })],
    [
      'HMAC-signed with the public key',
      () => issuer.sign({}, { alg: 'HS256', secret: issuer.publicKeyPem() }),
    ],
    [
      'signed with a foreign key',
      async () => issuer.sign({}, { privateKey: (await generateTestKey('RS256')).privateKey }),
    ],
    ['signed with a non-JSON payload', () => issuer.sign({}, { rawPayload: '{"sub":' })],
  ])('reports a JWT %s inactive', async (_, make) => {
    expect(await answer(await make())).toEqual({ active: false })
  })

  it('reports an unknown token inactive', async () => {
    expect(await answer('unknown-token')).toEqual({ active: false })
  })
})

describe('revoke', () => {
  it('makes an opaque token and a JWT inactive from then on', async () => {
    const opaque = issuer.issueOpaque()
    const jwt = await issuer.sign()
    const other = issuer.issueOpaque()
    expect(await answer(opaque)).toMatchObject({ active: true })
    issuer.revoke(opaque)
    issuer.revoke(jwt)
    expect(await answer(opaque)).toEqual({ active: false })
    expect(await answer(jwt)).toEqual({ active: false })
    expect(await answer(other)).toMatchObject({ active: true })
  })

  it('throws on an empty token', () => {
    expect(() => issuer.revoke('')).toThrow(TypeError)
  })
})
