import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest } from './raw-request.js'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './test-issuer.js'

const running: TestIssuer[] = []
async function start(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const issuer = await createTestIssuer({
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
    ...options,
  })
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

const FORM = 'application/x-www-form-urlencoded'
const AUTHORIZATION = `Basic ${Buffer.from('rs:secret').toString('base64')}`

function post(
  issuer: TestIssuer,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { 'content-type': FORM, authorization: AUTHORIZATION, ...headers },
    body,
  })
}

describe('the endpoint', () => {
  it('is at the issuer + /introspect and listed in both metadata documents', async () => {
    const issuer = await start()
    expect(issuer.introspectionEndpoint).toBe(`${issuer.issuer}/introspect`)
    for (const url of [issuer.metadataUrls.oauth, issuer.metadataUrls.openid]) {
      expect(await (await fetch(url)).json()).toMatchObject({
        introspection_endpoint: issuer.introspectionEndpoint,
        introspection_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'private_key_jwt',
        ],
      })
    }
  })

  it('lives under the path of a path issuer, without a trailing slash', async () => {
    const issuer = await start({ path: '/tenant1/' })
    expect(issuer.introspectionEndpoint).toBe(`${issuer.origin}/tenant1/introspect`)
    const response = await post(issuer, 'token=x')
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({ active: false })
  })

  it('answers 405 to anything but POST', async () => {
    const issuer = await start()
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(`${issuer.introspectionEndpoint}?token=x`, { method })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('POST')
    }
    expect(issuer.introspectionRequests()).toEqual([])
  })

  it.each<[string, string, Record<string, string>]>([
    ['no token', '', {}],
    ['an empty token', 'token=', {}],
    ['a JSON body', '{"token":"x"}', { 'content-type': 'application/json' }],
    ['a repeated parameter', 'token=a&token=b', {}],
  ])('answers 400 invalid_request to %s', async (_, body, headers) => {
    const issuer = await start()
    const response = await post(issuer, body, headers)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: 'invalid_request' })
  })

  it('authenticates the client before looking at the token', async () => {
    const issuer = await start()
    const response = await post(issuer, '', { authorization: 'Basic eDp5' })
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'invalid_client' })
  })

  it('accepts a content type with parameters and ignores the query string', async () => {
    const issuer = await start()
    const token = issuer.issueOpaque()
    const response = await fetch(`${issuer.introspectionEndpoint}?token=other`, {
      method: 'POST',
      headers: { 'content-type': `${FORM}; charset=UTF-8`, authorization: AUTHORIZATION },
      body: `token=${token}&token_type_hint=access_token`,
    })
    expect(await response.json()).toMatchObject({ active: true })
  })

  it('refuses a body over 64 KiB with 413', async () => {
    const issuer = await start()
    const response = await post(issuer, `token=${'a'.repeat(70_000)}`)
    expect(response.status).toBe(413)
  })
})

describe('RFC 9701 JWT answers', () => {
  async function jwtAnswer(issuer: TestIssuer, token: string, accept: string) {
    const response = await post(issuer, new URLSearchParams({ token }).toString(), { accept })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/token-introspection+jwt')
    const jwt = await response.text()
    const verified = await jwtVerify(jwt, createLocalJWKSet(issuer.jwks() as never), {
      issuer: issuer.issuer,
      audience: 'rs',
      typ: 'token-introspection+jwt',
      algorithms: ['RS256'],
    })
    return { jwt, ...verified }
  }

  it('signs the answer with the RS256 key when Accept asks for it', async () => {
    const issuer = await start({ algorithm: 'ES256' })
    const token = issuer.issueOpaque({}, { scope: 'a' })
    const before = Math.floor(Date.now() / 1000)
    const { payload, protectedHeader } = await jwtAnswer(
      issuer,
      token,
      'application/json;q=0.5, application/token-introspection+jwt',
    )
    expect(protectedHeader).toEqual({
      alg: 'RS256',
      typ: 'token-introspection+jwt',
      kid: issuer.publicJwk('RS256').kid,
    })
    expect(payload).toEqual({
      iss: issuer.issuer,
      aud: 'rs',
      iat: expect.any(Number),
      token_introspection: expect.objectContaining({ active: true, scope: 'a' }),
    })
    // iat is when the answer was signed: between the clock readings taken around the request
    expect(payload.iat).toBeGreaterThanOrEqual(before)
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000))
  })

  it('wraps an inactive answer too', async () => {
    const issuer = await start()
    const { payload } = await jwtAnswer(issuer, 'nope', 'Application/Token-Introspection+JWT')
    expect(payload.token_introspection).toEqual({ active: false })
  })

  it('uses the rotated RS256 key', async () => {
    const issuer = await start()
    const kid = await issuer.rotateKey('RS256')
    const { jwt } = await jwtAnswer(issuer, 'nope', 'application/token-introspection+jwt')
    expect(decodeProtectedHeader(jwt).kid).toBe(kid)
  })

  it('answers JSON for other Accept values', async () => {
    const issuer = await start()
    for (const accept of ['application/json', '*/*', 'application/jwt']) {
      const response = await post(issuer, 'token=x', { accept })
      expect(response.headers.get('content-type')).toBe('application/json')
    }
  })
})

describe('introspectionRequests', () => {
  it('records every POST with its Authorization, form and Accept, also refused ones', async () => {
    const issuer = await start()
    await post(issuer, 'token=a+b&token_type_hint=access_token', { accept: 'application/json' })
    await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: 'token=t&client_id=rs&client_secret=wrong',
    })
    await post(issuer, '{}', { 'content-type': 'application/json' })
    expect(issuer.introspectionRequests()).toEqual([
      {
        authorization: AUTHORIZATION,
        form: { token: 'a b', token_type_hint: 'access_token' },
        accept: 'application/json',
      },
      {
        authorization: undefined,
        form: { token: 't', client_id: 'rs', client_secret: 'wrong' },
        accept: '*/*',
      },
      { authorization: AUTHORIZATION, form: {}, accept: '*/*' },
    ])
  })

  it('returns copies and is cleared by resetCounts()', async () => {
    const issuer = await start()
    await post(issuer, 'token=x')
    const [first] = issuer.introspectionRequests()
    if (first) first.form.token = 'changed'
    expect(issuer.introspectionRequests()[0]?.form.token).toBe('x')
    issuer.resetCounts()
    expect(issuer.introspectionRequests()).toEqual([])
    expect(issuer.requestCount('introspection')).toBe(0)
  })

  it('records a request exactly as sent over a raw socket', async () => {
    const issuer = await start()
    const response = await rawRequest(issuer.origin, {
      method: 'POST',
      path: new URL(issuer.introspectionEndpoint).pathname,
      headers: [
        ['Content-Type', FORM],
        ['Authorization', AUTHORIZATION],
      ],
      body: 'token=%2B%20x',
    })
    expect(response.status).toBe(200)
    expect(issuer.introspectionRequests()[0]).toEqual({
      authorization: AUTHORIZATION,
      form: { token: '+ x' },
      accept: undefined,
    })
  })
})

describe('counts and faults', () => {
  it('counts introspection requests separately', async () => {
    const issuer = await start()
    await post(issuer, 'token=x')
    await fetch(issuer.introspectionEndpoint)
    await fetch(issuer.jwksUri)
    expect(issuer.requestCount('introspection')).toBe(2)
    expect(issuer.requestCount('jwks')).toBe(1)
    expect(issuer.requestCount('all')).toBe(3)
  })

  it('serves an injected body, status or dropped connection, and records the request', async () => {
    const issuer = await start()
    issuer.setFault('introspection', { body: '{"active":"true"}' })
    const faulty = await post(issuer, 'token=x')
    expect(faulty.status).toBe(200)
    expect(await faulty.text()).toBe('{"active":"true"}')

    issuer.setFault('introspection', { status: 503, body: '<html>', contentType: 'text/html' })
    const down = await post(issuer, 'token=x')
    expect([down.status, down.headers.get('content-type')]).toEqual([503, 'text/html'])

    issuer.setFault('introspection', { destroySocket: true })
    await expect(post(issuer, 'token=x')).rejects.toThrow(TypeError)
    expect(issuer.introspectionRequests()).toHaveLength(3)
    expect(issuer.requestCount('introspection')).toBe(3)

    issuer.setFault('introspection', undefined)
    expect(await (await post(issuer, 'token=x')).json()).toEqual({ active: false })
  })

  it('delays the normal answer with delayMs alone', async () => {
    const issuer = await start()
    issuer.setFault('introspection', { delayMs: 300 })
    const started = performance.now()
    const response = await post(issuer, `token=${issuer.issueOpaque()}`)
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    expect(await response.json()).toMatchObject({ active: true })
  })
})
