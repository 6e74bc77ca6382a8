import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './test-issuer.js'
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE } from './token-endpoint.js'

const running: TestIssuer[] = []
async function start(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = await createTestIssuer({
    clients: [
      { clientId: 'reports-service', clientSecret: 'reports-secret' },
      { clientId: 'billing-service', clientSecret: 'billing-secret' },
    ],
    ...options,
  })
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`
const REPORTS = basic('reports-service', 'reports-secret')

function post(
  issuer: TestIssuer,
  form: Record<string, string>,
  authorization: string | null = REPORTS,
): Promise<Response> {
  return fetch(issuer.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === null ? {} : { authorization }),
    },
    body: new URLSearchParams(form).toString(),
  })
}

/** Verifies an issued token against the issuer's published keys. */
async function claimsOf(issuer: TestIssuer, token: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(issuer.jwks()), {
    issuer: issuer.issuer,
  })
  expect(protectedHeader.typ).toBe('at+jwt')
  return payload
}

const exchange = (subjectToken: string, extra: Record<string, string> = {}) => ({
  grant_type: TOKEN_EXCHANGE,
  subject_token: subjectToken,
  subject_token_type: ACCESS_TOKEN_TYPE,
  ...extra,
})

describe('the token endpoint', () => {
  it('is at the issuer + /token and listed in the metadata with token exchange', async () => {
    const issuer = await start()
    expect(issuer.tokenEndpoint).toBe(`${issuer.issuer}/token`)
    expect(await (await fetch(issuer.metadataUrls.oauth)).json()).toMatchObject({
      token_endpoint: issuer.tokenEndpoint,
      grant_types_supported: expect.arrayContaining(['client_credentials', TOKEN_EXCHANGE]),
    })
  })

  it('answers POST only, and counts requests', async () => {
    const issuer = await start()
    expect((await fetch(issuer.tokenEndpoint)).status).toBe(405)
    await post(issuer, { grant_type: 'client_credentials' })
    expect(issuer.requestCount('token')).toBe(2)
  })

  it('refuses unknown clients and missing authentication with 401 invalid_client', async () => {
    const issuer = await start()
    const wrong = await post(issuer, { grant_type: 'client_credentials' }, basic('x', 'y'))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="test-issuer"')
    expect(await wrong.json()).toEqual({ error: 'invalid_client' })
    const none = await post(issuer, { grant_type: 'client_credentials' }, null)
    expect(none.status).toBe(401)
  })

  it('refuses an unknown grant type and a missing one', async () => {
    const issuer = await start()
    const unknown = await post(issuer, { grant_type: 'password' })
    expect(await unknown.json()).toEqual({ error: 'unsupported_grant_type' })
    const missing = await post(issuer, {})
    expect(await missing.json()).toEqual({ error: 'invalid_request' })
  })

  it('can be made to fail with setFault', async () => {
    const issuer = await start()
    issuer.setFault('token', { status: 503 })
    expect((await post(issuer, { grant_type: 'client_credentials' })).status).toBe(503)
  })
})

describe('client_credentials', () => {
  it('issues a token for the client itself, with the requested scope and audience', async () => {
    const issuer = await start({ audience: 'https://api.example.test' })
    const response = await post(issuer, {
      grant_type: 'client_credentials',
      scope: 'files:read archives:write',
      resource: 'https://archive.example.test',
    })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'files:read archives:write',
    })
    const claims = await claimsOf(issuer, body['access_token'] as string)
    expect(claims).toMatchObject({
      sub: 'reports-service',
      client_id: 'reports-service',
      scope: 'files:read archives:write',
      aud: 'https://archive.example.test',
    })
    expect(claims.act).toBeUndefined()
  })

  it('defaults aud to the issuer audience', async () => {
    const issuer = await start({ audience: 'https://api.example.test' })
    const body = (await (await post(issuer, { grant_type: 'client_credentials' })).json()) as {
      access_token: string
    }
    expect((await claimsOf(issuer, body.access_token)).aud).toBe('https://api.example.test')
  })
})

describe('token exchange (RFC 8693)', () => {
  it("issues a delegation token: the user's sub, the client as actor, authentication facts kept", async () => {
    const issuer = await start()
    const userToken = await issuer.sign({
      sub: 'user-123',
      scope: 'reports:read',
      acr: 'urn:mfa',
      auth_time: 1_700_000_000,
    })
    const response = await post(issuer, exchange(userToken, { audience: 'https://reports.test' }))
    expect(response.status).toBe(200)
    const body = (await response.json()) as Record<string, unknown>
    expect(body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN_TYPE,
      scope: 'reports:read',
    })
    expect(await claimsOf(issuer, body['access_token'] as string)).toMatchObject({
      sub: 'user-123',
      client_id: 'reports-service',
      aud: 'https://reports.test',
      scope: 'reports:read',
      acr: 'urn:mfa',
      auth_time: 1_700_000_000,
      act: { sub: 'reports-service' },
    })
  })

  it("names the actor token's subject as the actor", async () => {
    const issuer = await start()
    const userToken = await issuer.sign({ sub: 'user-123' })
    const actorToken = await issuer.sign({ sub: 'agent-7' })
    const body = (await (
      await post(
        issuer,
        exchange(userToken, { actor_token: actorToken, actor_token_type: ACCESS_TOKEN_TYPE }),
      )
    ).json()) as { access_token: string }
    expect((await claimsOf(issuer, body.access_token)).act).toEqual({ sub: 'agent-7' })
  })

  it('nests the subject token’s own act: the chain grows, newest actor outermost', async () => {
    const issuer = await start()
    const userToken = await issuer.sign({ sub: 'user-123' })
    const first = (await (await post(issuer, exchange(userToken))).json()) as {
      access_token: string
    }
    const second = (await (
      await post(issuer, exchange(first.access_token), basic('billing-service', 'billing-secret'))
    ).json()) as { access_token: string }
    expect((await claimsOf(issuer, second.access_token)).act).toEqual({
      sub: 'billing-service',
      act: { sub: 'reports-service' },
    })
  })

  it('accepts an opaque subject token, narrows the scope when asked', async () => {
    const issuer = await start()
    const opaque = issuer.issueOpaque({ sub: 'user-9', scope: 'reports:read reports:write' })
    const body = (await (
      await post(issuer, exchange(opaque, { scope: 'reports:read' }))
    ).json()) as { access_token: string; scope: string }
    expect(body.scope).toBe('reports:read')
    expect(await claimsOf(issuer, body.access_token)).toMatchObject({
      sub: 'user-9',
      scope: 'reports:read',
    })
  })

  it('honours may_act: only the named party may act for the subject', async () => {
    const issuer = await start()
    const userToken = await issuer.sign({ sub: 'user-123', may_act: { sub: 'billing-service' } })
    const refused = await post(issuer, exchange(userToken))
    expect(refused.status).toBe(400)
    expect(await refused.json()).toEqual({ error: 'invalid_grant' })
    const allowed = await post(
      issuer,
      exchange(userToken),
      basic('billing-service', 'billing-secret'),
    )
    expect(allowed.status).toBe(200)
  })

  it.each([
    [
      'an expired subject token',
      async (issuer: TestIssuer) => exchange(await issuer.sign({}, { expiresIn: -60 })),
    ],
    [
      'a revoked subject token',
      async (issuer: TestIssuer) => {
        const token = await issuer.sign({})
        issuer.revoke(token)
        return exchange(token)
      },
    ],
    [
      'a subject token of another issuer',
      async () => {
        const other = await start()
        return exchange(await other.sign({}))
      },
    ],
    [
      'an invalid actor token',
      async (issuer: TestIssuer) =>
        exchange(await issuer.sign({}), {
          actor_token: 'nope',
          actor_token_type: ACCESS_TOKEN_TYPE,
        }),
    ],
  ])('refuses %s with 400 invalid_grant', async (_name, build) => {
    const issuer = await start()
    const response = await post(issuer, await build(issuer))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_grant' })
  })

  it.each([
    ['no subject_token', { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN_TYPE }],
    ['no subject_token_type', { grant_type: TOKEN_EXCHANGE, subject_token: 'x' }],
    ['an unsupported subject_token_type', exchange('x', { subject_token_type: 'urn:x' })],
    ['an actor_token without its type', exchange('x', { actor_token: 'y' })],
    ['an actor_token_type without a token', exchange('x', { actor_token_type: ACCESS_TOKEN_TYPE })],
    ['an unsupported requested_token_type', exchange('x', { requested_token_type: 'urn:x' })],
  ])('refuses %s with 400 invalid_request', async (_name, form) => {
    const issuer = await start()
    const response = await post(issuer, form as Record<string, string>)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_request' })
  })
})
