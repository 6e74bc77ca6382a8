import { createPublicKey } from 'node:crypto'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './test-issuer.js'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

const running: TestIssuer[] = []
async function start(options?: TestIssuerOptions): Promise<TestIssuer> {
  const issuer = await createTestIssuer(options)
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

async function servedKids(issuer: TestIssuer): Promise<unknown[]> {
  const { keys } = (await (await fetch(issuer.jwksUri)).json()) as { keys: { kid: unknown }[] }
  return keys.map((key) => key.kid)
}

function verify(issuer: TestIssuer, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuer })
}

describe('JWKS', () => {
  it('serves three public signing keys as application/json', async () => {
    const issuer = await start()
    const response = await fetch(issuer.jwksUri)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] }
    expect(keys.map((key) => [key.kty, key.alg, key.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES256', 'sig'],
      ['OKP', 'EdDSA', 'sig'],
    ])
    for (const key of keys) {
      expect(key.kid).toEqual(expect.any(String))
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member)
    }
    expect(new Set(keys.map((key) => key.kid)).size).toBe(3)
    expect(issuer.jwks()).toEqual({ keys })
  })

  it('returns copies from jwks() and publicJwk()', async () => {
    const issuer = await start()
    const first = issuer.jwks().keys[0]
    if (first) first.kid = 'mutated'
    issuer.publicJwk().kid = 'mutated'
    expect(await servedKids(issuer)).not.toContain('mutated')
  })

  it('exposes each current public key as JWK and SPKI PEM', async () => {
    const issuer = await start()
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const jwk = issuer.publicJwk(alg)
      expect(issuer.jwks().keys).toContainEqual(jwk)
      const pem = issuer.publicKeyPem(alg)
      expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
      const fromPem = createPublicKey(pem).export({ format: 'jwk' })
      expect(jwk).toMatchObject(fromPem)
    }
    expect(issuer.publicJwk()).toEqual(issuer.publicJwk('RS256'))
  })

  it('gives separate issuers separate keys', async () => {
    const [a, b] = await Promise.all([start(), start()])
    expect(a.origin).not.toBe(b.origin)
    expect(a.publicJwk().kid).not.toBe(b.publicJwk().kid)
    await expect(
      jwtVerify(await a.sign(), createRemoteJWKSet(new URL(b.jwksUri))),
    ).rejects.toThrow()
  })
})

describe('key rotation', () => {
  it('publishes a new signing key and keeps the old one until removed', async () => {
    const issuer = await start()
    const oldKid = issuer.publicJwk('ES256').kid
    const oldToken = await issuer.sign({}, { alg: 'ES256' })

    const newKid = await issuer.rotateKey('ES256')
    expect(newKid).not.toBe(oldKid)
    expect(await servedKids(issuer)).toEqual(expect.arrayContaining([oldKid, newKid]))
    expect(issuer.jwks().keys).toHaveLength(4)
    expect(issuer.publicJwk('ES256').kid).toBe(newKid)
    const newToken = await issuer.sign({}, { alg: 'ES256' })
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid)
    await expect(verify(issuer, newToken)).resolves.toBeDefined()
    await expect(verify(issuer, oldToken)).resolves.toBeDefined()

    issuer.removeKey(String(oldKid))
    expect(await servedKids(issuer)).not.toContain(oldKid)
    expect(issuer.jwks().keys).toHaveLength(3)
    await expect(verify(issuer, oldToken)).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    })
    await expect(verify(issuer, newToken)).resolves.toBeDefined()
  })

  it('rotates the issuer algorithm key by default', async () => {
    const issuer = await start({ algorithm: 'EdDSA' })
    const kid = await issuer.rotateKey()
    expect(issuer.publicJwk('EdDSA').kid).toBe(kid)
    expect(issuer.jwks().keys.filter((key) => key.alg === 'EdDSA')).toHaveLength(2)
  })

  it('keeps signing with a removed current key, so tokens carry an unpublished kid', async () => {
    const issuer = await start()
    const kid = String(issuer.publicJwk().kid)
    issuer.removeKey(kid)
    const token = await issuer.sign()
    expect(decodeProtectedHeader(token).kid).toBe(kid)
    await expect(verify(issuer, token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
    await issuer.sign({}, { publish: true })
    await expect(verify(issuer, token)).resolves.toBeDefined()
  })

  it('signs with an older key chosen by keyId', async () => {
    const issuer = await start()
    const oldKid = String(issuer.publicJwk().kid)
    await issuer.rotateKey()
    const token = await issuer.sign({}, { keyId: oldKid })
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: oldKid })
    await expect(verify(issuer, token)).resolves.toBeDefined()
  })

  it('throws when removing a kid the issuer never had', async () => {
    const issuer = await start()
    expect(() => issuer.removeKey('unknown')).toThrow(TypeError)
  })
})

describe('createTestIssuer', () => {
  it('applies the defaults', async () => {
    const issuer = await start()
    expect(issuer.audience).toBe('https://api.example.test')
    expect(issuer.jwksUri).toBe(`${issuer.origin}/jwks`)
    expect(decodeProtectedHeader(await issuer.sign()).alg).toBe('RS256')
  })

  it('can listen again on the same port after close', async () => {
    const first = await createTestIssuer()
    const port = Number(new URL(first.origin).port)
    const oldKid = first.publicJwk().kid
    await first.close()
    const second = await start({ port })
    expect(second.origin).toBe(first.origin)
    expect(await servedKids(second)).not.toContain(oldKid)
    expect(second.requestCount('jwks')).toBe(1)
  })

  it('rejects when the port is taken', async () => {
    const issuer = await start()
    const port = Number(new URL(issuer.origin).port)
    await expect(createTestIssuer({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })

  it.each<[string, TestIssuerOptions]>([
    ['a path without leading slash', { path: 'tenant1' }],
    ['a path with a query', { path: '/t?x=1' }],
    ['a negative port', { port: -1 }],
    ['a fractional port', { port: 1.5 }],
    ['an unknown algorithm', { algorithm: 'HS256' as 'RS256' }],
    ['an empty audience list', { audience: [] }],
    ['an empty audience', { audience: '' }],
    ['a non-finite lifetime', { tokenLifetime: Number.POSITIVE_INFINITY }],
    ['clients that are not an array', { clients: {} as [] }],
    ['a client without credentials', { clients: [{ clientId: 'rs' }] }],
    [
      'a client listed twice',
      {
        clients: [
          { clientId: 'rs', clientSecret: 'a' },
          { clientId: 'rs', clientSecret: 'b' },
        ],
      },
    ],
  ])('rejects %s', async (_, options) => {
    await expect(createTestIssuer(options)).rejects.toThrow(TypeError)
  })
})

describe('registerClient', () => {
  async function status(issuer: TestIssuer, id: string, secret: string): Promise<number> {
    const response = await fetch(issuer.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'x', client_id: id, client_secret: secret }).toString(),
    })
    return response.status
  }

  it('adds clients next to the configured ones and replaces one with the same id', async () => {
    const issuer = await start({ clients: [{ clientId: 'a', clientSecret: 'one' }] })
    expect(await status(issuer, 'b', 'two')).toBe(401)
    issuer.registerClient({ clientId: 'b', clientSecret: 'two' })
    expect(await status(issuer, 'a', 'one')).toBe(200)
    expect(await status(issuer, 'b', 'two')).toBe(200)
    issuer.registerClient({ clientId: 'a', clientSecret: 'new' })
    expect(await status(issuer, 'a', 'one')).toBe(401)
    expect(await status(issuer, 'a', 'new')).toBe(200)
  })

  it('keeps its own copy of the client', async () => {
    const client = { clientId: 'a', clientSecret: 'one' }
    const issuer = await start({ clients: [client] })
    client.clientSecret = 'changed'
    expect(await status(issuer, 'a', 'one')).toBe(200)
  })

  it('throws a TypeError for a malformed client', async () => {
    const issuer = await start()
    expect(() => issuer.registerClient({ clientId: '' })).toThrow(TypeError)
    expect(() => issuer.registerClient({ clientId: 'x' })).toThrow(TypeError)
  })
})
