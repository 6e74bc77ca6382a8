import { webcrypto } from 'node:crypto'
import { createTestIssuer, generateTestKey, type TestIssuer } from '@scopeguard/testing'
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  basicAuthorization,
  createClientAuthenticator,
  formEncodeCredential,
  type ClientCredentials,
} from './client-auth.js'

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const SPECIAL = "client %&+-_.!~*'()"
const SPECIAL_ENCODED = 'client+%25%26%2B%2D%5F%2E%21%7E%2A%27%28%29'

let issuer: TestIssuer
let privateJwk: JWK
let publicJwk: Record<string, unknown>

beforeAll(async () => {
  const key = await generateTestKey('ES256')
  publicJwk = key.publicJwk
  privateJwk = { ...key.privateKey.export({ format: 'jwk' }), alg: 'ES256', kid: key.kid }
  issuer = await createTestIssuer({
    clients: [
      { clientId: 'rs-secret', clientSecret: 'a secret: +%é' },
      { clientId: 'rs-key', jwks: { keys: [publicJwk] } },
    ],
  })
})
afterAll(async () => {
  await issuer.close()
})

/** Runs an authenticator and returns what it added. */
async function apply(
  credentials: ClientCredentials,
): Promise<{ headers: Record<string, string>; form: URLSearchParams }> {
  const headers: Record<string, string> = {}
  const form = new URLSearchParams({ token: 'x' })
  await createClientAuthenticator(credentials, issuer.issuer)(headers, form)
  return { headers, form }
}

/** Sends what an authenticator produced to the test issuer's introspection endpoint. */
async function introspect(credentials: ClientCredentials): Promise<number> {
  const { headers, form } = await apply(credentials)
  const response = await fetch(issuer.introspectionEndpoint, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  })
  return response.status
}

describe('formEncodeCredential and basicAuthorization', () => {
  it.each([
    ['s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw', 'Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3'],
    ['s6BhdRkqt3', 'gX1fBat3bV', 'Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW'],
    [
      SPECIAL,
      SPECIAL,
      'Basic Y2xpZW50KyUyNSUyNiUyQiUyRCU1RiUyRSUyMSU3RSUyQSUyNyUyOCUyOTpjbGllbnQrJTI1JTI2JTJCJTJEJTVGJTJFJTIxJTdFJTJBJTI3JTI4JTI5',
    ],
  ])('reproduces the digest vector for %j / %j', (id, secret, header) => {
    expect(basicAuthorization(id, secret)).toBe(header)
  })

  it('encodes each part per RFC 6749 Appendix B before base64', () => {
    expect(formEncodeCredential(SPECIAL)).toBe(SPECIAL_ENCODED)
    expect(formEncodeCredential('AZaz09')).toBe('AZaz09')
    expect(formEncodeCredential('é:')).toBe('%C3%A9%3A')
    const decoded = atob(basicAuthorization('rs', 'rs:Mku-6g_lCzKIdz4fsN7kYcya+Ti').slice(6))
    expect(decoded).toBe('rs:rs%3AMku%2D6g%5FlCzKIdz4fsN7kYcya%2BTi')
  })
})

describe('client_secret_basic', () => {
  it('is the default and only sets the Authorization header', async () => {
    const { headers, form } = await apply({ clientId: 'rs-secret', clientSecret: 'a secret: +%é' })
    expect(headers).toEqual({ authorization: basicAuthorization('rs-secret', 'a secret: +%é') })
    expect([...form.keys()]).toEqual(['token'])
  })

  it('is accepted by the test issuer, and a wrong secret is not', async () => {
    expect(await introspect({ clientId: 'rs-secret', clientSecret: 'a secret: +%é' })).toBe(200)
    expect(await introspect({ clientId: 'rs-secret', clientSecret: 'a secret: +%' })).toBe(401)
  })
})

describe('client_secret_post', () => {
  const credentials: ClientCredentials = {
    clientId: 'rs-secret',
    clientSecret: 'a secret: +%é',
    method: 'client_secret_post',
  }

  it('puts the credentials in the form only', async () => {
    const { headers, form } = await apply(credentials)
    expect(headers).toEqual({})
    expect(Object.fromEntries(form)).toEqual({
      token: 'x',
      client_id: 'rs-secret',
      client_secret: 'a secret: +%é',
    })
  })

  it('is accepted by the test issuer, which sees no Authorization header', async () => {
    issuer.resetCounts()
    expect(await introspect(credentials)).toBe(200)
    expect(issuer.introspectionRequests()).toEqual([
      {
        authorization: undefined,
        form: { token: 'x', client_id: 'rs-secret', client_secret: 'a secret: +%é' },
        accept: '*/*',
      },
    ])
  })
})

describe('private_key_jwt', () => {
  it('is the default with only a private key, and signs a short-lived assertion', async () => {
    const before = Math.floor(Date.now() / 1000)
    const { headers, form } = await apply({ clientId: 'rs-key', privateKey: privateJwk })
    expect(headers).toEqual({})
    expect(form.get('client_id')).toBe('rs-key')
    expect(form.get('client_assertion_type')).toBe(JWT_BEARER)
    expect(form.has('client_secret')).toBe(false)
    const assertion = form.get('client_assertion') ?? ''
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: privateJwk.kid })
    const claims = decodeJwt(assertion)
    expect(claims).toEqual({
      iss: 'rs-key',
      sub: 'rs-key',
      aud: issuer.issuer,
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    })
    expect(claims.iat).toBeGreaterThanOrEqual(before)
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeGreaterThan(0)
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBeLessThanOrEqual(60)
  })

  it('uses a new jti for every request', async () => {
    const authenticate = createClientAuthenticator(
      { clientId: 'rs-key', privateKey: privateJwk },
      issuer.issuer,
    )
    const jtis = new Set<unknown>()
    for (let i = 0; i < 5; i += 1) {
      const form = new URLSearchParams()
      await authenticate({}, form)
      jtis.add(decodeJwt(form.get('client_assertion') ?? '').jti)
    }
    expect(jtis.size).toBe(5)
  })

  it('takes a configured audience, e.g. the endpoint URL for legacy servers', async () => {
    const credentials = {
      clientId: 'rs-key',
      privateKey: privateJwk,
      assertionAudience: issuer.introspectionEndpoint,
    }
    const { form } = await apply(credentials)
    expect(decodeJwt(form.get('client_assertion') ?? '').aud).toBe(issuer.introspectionEndpoint)
    expect(await introspect(credentials)).toBe(200)
  })

  it('is accepted by the test issuer with the default audience', async () => {
    expect(await introspect({ clientId: 'rs-key', privateKey: privateJwk })).toBe(200)
  })

  it('is refused by the test issuer with a foreign audience or another key', async () => {
    const credentials = { clientId: 'rs-key', privateKey: privateJwk }
    expect(await introspect({ ...credentials, assertionAudience: 'https://other.test' })).toBe(401)
    const other = await generateTestKey('ES256')
    const otherJwk = { ...other.privateKey.export({ format: 'jwk' }), alg: 'ES256' }
    expect(await introspect({ ...credentials, privateKey: otherJwk })).toBe(401)
  })

  it('signs with a CryptoKey, privateKeyAlg and privateKeyId', async () => {
    const key = await generateTestKey('RS256')
    const cryptoKey = await webcrypto.subtle.importKey(
      'jwk',
      key.privateKey.export({ format: 'jwk' }) as webcrypto.JsonWebKey,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    issuer.registerClient({ clientId: 'rs-crypto', jwks: { keys: [key.publicJwk] } })
    const credentials: ClientCredentials = {
      clientId: 'rs-crypto',
      method: 'private_key_jwt',
      privateKey: cryptoKey,
      privateKeyAlg: 'RS256',
      privateKeyId: key.kid,
    }
    const { form } = await apply(credentials)
    expect(decodeProtectedHeader(form.get('client_assertion') ?? '')).toEqual({
      alg: 'RS256',
      kid: key.kid,
    })
    expect(await introspect(credentials)).toBe(200)
    // the test issuer picks the client's key by kid
    expect(await introspect({ ...credentials, privateKeyId: 'other-kid' })).toBe(401)
  })

  it('fails at request time when the JWK cannot be imported', async () => {
    const authenticate = createClientAuthenticator(
      { clientId: 'rs-key', privateKey: { kty: 'EC', crv: 'P-256' } as JWK },
      issuer.issuer,
    )
    await expect(authenticate({}, new URLSearchParams())).rejects.toThrow()
  })
})
