import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { copyClient, formDecode, JWT_BEARER_ASSERTION, parseBasic } from './client-auth.js'
import { generateTestKey, type GeneratedTestKey } from './keys.js'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './test-issuer.js'

const running: TestIssuer[] = []
async function start(options?: TestIssuerOptions): Promise<TestIssuer> {
  const issuer = await createTestIssuer(options)
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

/** POSTs a form to the introspection endpoint; returns status and JSON body. */
async function introspect(
  issuer: TestIssuer,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; challenge: string | null }> {
  const response = await fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  })
  return {
    status: response.status,
    body: await response.json(),
    challenge: response.headers.get('www-authenticate'),
  }
}

const basic = (raw: string): string => `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`

const SPECIAL = "client %&+-_.!~*'()"
const SPECIAL_ENCODED = 'client+%25%26%2B%2D%5F%2E%21%7E%2A%27%28%29'

describe('formDecode and parseBasic', () => {
  it('decodes + as space and %HH as bytes, then UTF-8', () => {
    const decode = (text: string): string | undefined => formDecode(Buffer.from(text, 'utf8'))
    expect(decode(SPECIAL_ENCODED)).toBe(SPECIAL)
    expect(decode('a%C3%A9b')).toBe('aéb')
    expect(decode('é')).toBe('é')
    expect(decode('%2')).toBeUndefined()
    expect(decode('%zz')).toBeUndefined()
    expect(decode('%FF')).toBeUndefined()
  })

  it('splits at the first colon after base64 decoding', () => {
    expect(parseBasic(basic('a%3Ab:c:d'))).toEqual({ id: 'a:b', secret: 'c:d' })
    expect(parseBasic(`basic  ${Buffer.from('x:').toString('base64')}`)).toEqual({
      id: 'x',
      secret: '',
    })
  })

  it.each([
    ['another scheme', 'Bearer abc'],
    ['no colon', basic('nocolon')],
    ['not base64', 'Basic ***'],
    ['a bad escape', basic('a%G1:b')],
  ])('refuses %s', (_, header) => {
    expect(parseBasic(header)).toBeUndefined()
  })
})

describe('copyClient', () => {
  it('copies the client and its keys', () => {
    const client = { clientId: 'rs', clientSecret: 's', jwks: { keys: [{ kty: 'EC' }] } }
    const copy = copyClient(client, 'c')
    expect(copy).toEqual(client)
    expect(copy.jwks?.keys[0]).not.toBe(client.jwks.keys[0])
  })

  it.each<[string, unknown]>([
    ['no clientId', { clientSecret: 's' }],
    ['an empty secret', { clientId: 'rs', clientSecret: '' }],
    ['no credentials', { clientId: 'rs' }],
    ['a jwks without keys', { clientId: 'rs', jwks: {} }],
    ['a key without kty', { clientId: 'rs', jwks: { keys: [{}] } }],
    ['a private key', { clientId: 'rs', jwks: { keys: [{ kty: 'EC', d: 'x' }] } }],
    ['a symmetric key', { clientId: 'rs', jwks: { keys: [{ kty: 'oct', k: 'x' }] } }],
  ])('refuses %s', (_, client) => {
    expect(() => copyClient(client as never, 'c')).toThrow(TypeError)
  })
})

describe('client_secret_basic', () => {
  it('accepts the RFC 6749 §2.3.1 vectors with hand-built headers', async () => {
    const issuer = await start({
      clients: [{ clientId: 's6BhdRkqt3', clientSecret: '7Fjfp0ZBr1KtDRbnfVdmIw' }],
    })
    const first = 'Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3'
    expect(await introspect(issuer, { token: 'x' }, { authorization: first })).toMatchObject({
      status: 200,
      body: { active: false },
    })

    issuer.registerClient({ clientId: 's6BhdRkqt3', clientSecret: 'gX1fBat3bV' })
    const second = 'Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW'
    expect((await introspect(issuer, { token: 'x' }, { authorization: second })).status).toBe(200)
    expect((await introspect(issuer, { token: 'x' }, { authorization: first })).status).toBe(401)
  })

  it('form-decodes both halves (the Appendix B special-character vector)', async () => {
    const issuer = await start({ clients: [{ clientId: SPECIAL, clientSecret: SPECIAL }] })
    const header =
      'Basic Y2xpZW50KyUyNSUyNiUyQiUyRCU1RiUyRSUyMSU3RSUyQSUyNyUyOCUyOTpjbGllbnQrJTI1JTI2JTJCJTJEJTVGJTJFJTIxJTdFJTJBJTI3JTI4JTI5'
    expect(header).toBe(basic(`${SPECIAL_ENCODED}:${SPECIAL_ENCODED}`))
    expect((await introspect(issuer, { token: 'x' }, { authorization: header })).status).toBe(200)
    // WHATWG URLSearchParams leaves -_.* unescaped; that decodes to the same credentials
    const whatwg = new URLSearchParams({ a: SPECIAL }).toString().slice(2)
    expect(whatwg).not.toBe(SPECIAL_ENCODED)
    const loose = basic(`${whatwg}:${whatwg}`)
    expect((await introspect(issuer, { token: 'x' }, { authorization: loose })).status).toBe(200)
  })

  it('decodes a raw + as a space (the RFC 9449 Fig. 10 pitfall)', async () => {
    const secret = 'rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti'
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: secret }] })
    const raw = await introspect(issuer, { token: 'x' }, { authorization: basic(`rs:${secret}`) })
    expect(raw).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
    const encoded = basic('rs:rs%3AMku%2D6g%5FlCzKIdz4fsN7kYcya%2BTi')
    expect((await introspect(issuer, { token: 'x' }, { authorization: encoded })).status).toBe(200)
  })

  it('answers 401 invalid_client with a Basic challenge to a wrong secret or unknown client', async () => {
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'secret' }] })
    for (const raw of ['rs:wrong', 'other:secret', 'rs:secre', 'rs:']) {
      expect(await introspect(issuer, { token: 'x' }, { authorization: basic(raw) })).toEqual({
        status: 401,
        body: { error: 'invalid_client' },
        challenge: 'Basic realm="test-issuer"',
      })
    }
  })

  it('refuses a client_id in the form that differs from the Basic user name', async () => {
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'secret' }] })
    const authorization = basic('rs:secret')
    const same = await introspect(issuer, { token: 'x', client_id: 'rs' }, { authorization })
    expect(same.status).toBe(200)
    const other = await introspect(issuer, { token: 'x', client_id: 'rs2' }, { authorization })
    expect(other.status).toBe(401)
  })
})

describe('client_secret_post', () => {
  it('accepts client_id and client_secret in the form', async () => {
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'a secret&+' }] })
    const ok = await introspect(issuer, {
      token: 'x',
      client_id: 'rs',
      client_secret: 'a secret&+',
    })
    expect(ok).toMatchObject({ status: 200, body: { active: false } })
  })

  it.each<[string, Record<string, string>]>([
    ['a wrong secret', { client_id: 'rs', client_secret: 'nope' }],
    ['no client_id', { client_secret: 'secret' }],
    ['an unknown client', { client_id: 'other', client_secret: 'secret' }],
  ])('refuses %s without a challenge', async (_, credentials) => {
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'secret' }] })
    expect(await introspect(issuer, { token: 'x', ...credentials })).toEqual({
      status: 401,
      body: { error: 'invalid_client' },
      challenge: null,
    })
  })

  it('refuses a client registered with keys only', async () => {
    const key = await generateTestKey('ES256')
    const issuer = await start({ clients: [{ clientId: 'rs', jwks: { keys: [key.publicJwk] } }] })
    const result = await introspect(issuer, { token: 'x', client_id: 'rs', client_secret: '' })
    expect(result.status).toBe(401)
  })
})

describe('private_key_jwt', () => {
  async function assertion(
    key: GeneratedTestKey,
    claims: Record<string, unknown>,
    alg = 'ES256',
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: 'rs', sub: 'rs', iat: now, exp: now + 60, jti: 'j', ...claims })
      .setProtectedHeader({ alg, kid: key.kid })
      .sign(key.privateKey)
  }

  async function setup(): Promise<{ issuer: TestIssuer; key: GeneratedTestKey }> {
    const key = await generateTestKey('ES256')
    const issuer = await start({
      path: '/tenant',
      clients: [{ clientId: 'rs', jwks: { keys: [key.publicJwk] } }],
    })
    return { issuer, key }
  }

  const form = (jwt: string, extra: Record<string, string> = {}): Record<string, string> => ({
    token: 'x',
    client_assertion_type: JWT_BEARER_ASSERTION,
    client_assertion: jwt,
    ...extra,
  })

  it('accepts an assertion whose aud is the issuer identifier or the endpoint URL', async () => {
    const { issuer, key } = await setup()
    for (const aud of [issuer.issuer, issuer.introspectionEndpoint, [issuer.issuer, 'x']]) {
      const jwt = await assertion(key, { aud })
      expect((await introspect(issuer, form(jwt))).status).toBe(200)
      expect((await introspect(issuer, form(jwt, { client_id: 'rs' }))).status).toBe(200)
    }
  })

  it('accepts assertions from a client registered later', async () => {
    const key = await generateTestKey('EdDSA')
    const issuer = await start()
    const jwt = await assertion(key, { aud: issuer.issuer }, 'EdDSA')
    expect((await introspect(issuer, form(jwt))).status).toBe(401)
    issuer.registerClient({ clientId: 'rs', jwks: { keys: [key.publicJwk] } })
    expect((await introspect(issuer, form(jwt))).status).toBe(200)
  })

  it.each<[string, Record<string, unknown>, Record<string, string>?]>([
    ['a wrong aud', { aud: 'https://other.test' }],
    ['another iss', { iss: 'evil' }, { client_id: 'rs' }],
    ['another sub', { sub: 'evil' }],
    ['no exp', { exp: undefined }],
    ['an expired exp', { exp: 1000 }],
    ['a client_id that differs', {}, { client_id: 'other' }],
    ['a wrong assertion type', {}, { client_assertion_type: 'urn:x' }],
  ])('refuses %s', async (_, claims, extra) => {
    const { issuer, key } = await setup()
    const jwt = await assertion(key, { aud: issuer.issuer, ...claims })
    expect(await introspect(issuer, form(jwt, extra))).toEqual({
      status: 401,
      body: { error: 'invalid_client' },
      challenge: null,
    })
  })

  it('refuses an assertion signed with another key, or garbage', async () => {
    const { issuer } = await setup()
    const other = await generateTestKey('ES256')
    const jwt = await assertion(other, { aud: issuer.issuer })
    expect((await introspect(issuer, form(jwt))).status).toBe(401)
    expect((await introspect(issuer, form('not.a.jwt'))).status).toBe(401)
    expect((await introspect(issuer, form(''))).status).toBe(401)
  })

  it('refuses a client registered with a secret only', async () => {
    const key = await generateTestKey('ES256')
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'secret' }] })
    const jwt = await assertion(key, { aud: issuer.issuer })
    expect((await introspect(issuer, form(jwt))).status).toBe(401)
  })
})

describe('choosing one method', () => {
  const post = { client_id: 'rs', client_secret: 'secret' }
  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['no credentials', {}, {}],
    ['Basic and client_secret_post', post, { authorization: basic('rs:secret') }],
    ['a Bearer header and client_secret_post', post, { authorization: 'Bearer abc' }],
    [
      'client_secret_post and an assertion type',
      { ...post, client_assertion_type: JWT_BEARER_ASSERTION },
      {},
    ],
  ])('answers 401 invalid_client to %s', async (_, credentials, headers) => {
    const issuer = await start({ clients: [{ clientId: 'rs', clientSecret: 'secret' }] })
    const result = await introspect(issuer, { token: 'x', ...credentials }, headers)
    expect(result).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
  })
})
