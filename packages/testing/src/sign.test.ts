import { createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto'
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTestKey } from './keys.js'
import { createTestIssuer, type TestIssuer } from './test-issuer.js'

let issuer: TestIssuer
let jwks: JWTVerifyGetKey

beforeAll(async () => {
  issuer = await createTestIssuer()
  jwks = createRemoteJWKSet(new URL(issuer.jwksUri))
})
afterAll(() => issuer.close())

function verify(token: string, key: Parameters<typeof jwtVerify>[1] = jwks) {
  return jwtVerify(token, key as JWTVerifyGetKey, {
    issuer: issuer.issuer,
    audience: 'https://api.example.test',
    typ: 'at+jwt',
  })
}

describe('sign', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)(
    'signs an %s token that verifies against the served JWKS with the default claims',
    async (alg) => {
      const before = Math.floor(Date.now() / 1000)
      const { payload, protectedHeader } = await verify(await issuer.sign({}, { alg }))
      expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: issuer.publicJwk(alg).kid })
      expect(payload).toMatchObject({
        iss: issuer.issuer,
        aud: 'https://api.example.test',
        sub: 'user-123',
        client_id: 'client-abc',
      })
      expect(payload.iat).toBeGreaterThanOrEqual(before)
      expect(payload.exp).toBe((payload.iat ?? 0) + 300)
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/)
      expect(payload).not.toHaveProperty('scope')
    },
  )

  it('uses the issuer algorithm when no alg is given', async () => {
    expect(decodeProtectedHeader(await issuer.sign()).alg).toBe('RS256')
  })

  it('gives every token a fresh jti', async () => {
    expect(decodeJwt(await issuer.sign()).jti).not.toBe(decodeJwt(await issuer.sign()).jti)
  })

  it('overrides default claims, removes claims set to undefined and sets scope', async () => {
    const token = await issuer.sign(
      { sub: 'svc', client_id: undefined, roles: ['admin'] },
      { scope: ['read', 'write'], expiresIn: 60 },
    )
    const payload = decodeJwt(token)
    expect(payload).toMatchObject({ sub: 'svc', roles: ['admin'], scope: 'read write' })
    expect(payload).not.toHaveProperty('client_id')
    expect(payload.exp).toBe((payload.iat ?? 0) + 60)
  })

  it('signs an already expired token with a negative expiresIn', async () => {
    await expect(verify(await issuer.sign({}, { expiresIn: -120 }))).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
    })
  })

  it('signs only the given claims with defaults: false', async () => {
    const token = await issuer.sign({ iss: 'x' }, { defaults: false, scope: 'a' })
    expect(decodeJwt(token)).toEqual({ iss: 'x', scope: 'a' })
  })

  it('sets, changes and omits the typ and kid headers', async () => {
    expect(decodeProtectedHeader(await issuer.sign({}, { typ: 'JWT', kid: 'k1' }))).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: 'k1',
    })
    expect(decodeProtectedHeader(await issuer.sign({}, { typ: null, kid: null }))).toEqual({
      alg: 'RS256',
    })
  })

  it('adds and overrides header parameters from options.header', async () => {
    const header = decodeProtectedHeader(
      await issuer.sign(
        {},
        { header: { crit: ['exp'], jku: 'https://attacker.test/jwks', typ: undefined } },
      ),
    )
    expect(header).toEqual({
      alg: 'RS256',
      kid: issuer.publicJwk().kid,
      crit: ['exp'],
      jku: 'https://attacker.test/jwks',
    })
  })

  it('keeps the signature algorithm when the header claims another alg', async () => {
    const token = await issuer.sign({}, { header: { alg: 'ES256' } })
    expect(decodeProtectedHeader(token).alg).toBe('ES256')
    await expect(verify(token)).rejects.toThrow()
  })

  it('produces an unsigned token with an empty signature for alg none', async () => {
    const token = await issuer.sign({}, { alg: 'none' })
    expect(token.endsWith('.')).toBe(true)
    expect(token.split('.')).toHaveLength(3)
    expect(decodeProtectedHeader(token).alg).toBe('none')
    await expect(verify(token)).rejects.toThrow()
  })

  it('signs HS256 with a secret that jose accepts', async () => {
    const secret = new TextEncoder().encode('a-very-long-test-secret-of-32-bytes!')
    const token = await issuer.sign({}, { alg: 'HS256', secret })
    const { protectedHeader } = await verify(token, secret)
    expect(protectedHeader.alg).toBe('HS256')
  })

  it.each(['HS384', 'HS512'] as const)('signs %s with a string secret', async (alg) => {
    const secret = 'x'.repeat(64)
    const { protectedHeader } = await verify(
      await issuer.sign({}, { alg, secret }),
      new TextEncoder().encode(secret),
    )
    expect(protectedHeader.alg).toBe(alg)
  })

  it('refuses HMAC algorithms without a secret', async () => {
    await expect(issuer.sign({}, { alg: 'HS256' })).rejects.toThrow(/secret/)
  })

  it('builds a key-confusion token: HS256 keyed with the RSA public PEM, under its kid', async () => {
    const pem = issuer.publicKeyPem('RS256')
    const token = await issuer.sign({}, { alg: 'HS256', secret: pem })
    expect(decodeProtectedHeader(token).kid).toBe(issuer.publicJwk('RS256').kid)
    await expect(verify(token, new TextEncoder().encode(pem))).resolves.toBeDefined()
    await expect(verify(token)).rejects.toThrow()
  })

  it.each(['RS384', 'PS256'] as const)('signs %s with the issuer RSA key', async (alg) => {
    const token = await issuer.sign({}, { alg })
    const rsaKey = createPublicKey(issuer.publicKeyPem('RS256'))
    expect(decodeProtectedHeader(token)).toMatchObject({ alg, kid: issuer.publicJwk('RS256').kid })
    await expect(verify(token, rsaKey)).resolves.toBeDefined()
  })

  it('signs ES384 with an unpublished P-384 key unless publish is set', async () => {
    const hidden = await issuer.sign({}, { alg: 'ES384' })
    const kid = decodeProtectedHeader(hidden).kid
    expect(issuer.jwks().keys.map((k) => k.kid)).not.toContain(kid)
    await expect(verify(hidden, createRemoteJWKSet(new URL(issuer.jwksUri)))).rejects.toThrow()

    const published = await issuer.sign({}, { alg: 'ES384', publish: true })
    expect(decodeProtectedHeader(published).kid).toBe(kid)
    const jwk = issuer.jwks().keys.find((k) => k.kid === kid)
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' })
    await expect(
      verify(published, createRemoteJWKSet(new URL(issuer.jwksUri))),
    ).resolves.toBeDefined()
    issuer.removeKey(kid ?? '')
  })

  it('signs with an attacker key under the issuer kid, and the JWKS rejects it', async () => {
    const attacker = await generateTestKey('ES256')
    const token = await issuer.sign({}, { privateKey: attacker.privateKey })
    expect(decodeProtectedHeader(token)).toMatchObject({
      alg: 'ES256',
      kid: issuer.publicJwk('ES256').kid,
    })
    await expect(verify(token)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    })
    await expect(verify(token, attacker.publicKey)).resolves.toBeDefined()
  })

  it('infers the algorithm from a foreign key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const ed = generateKeyPairSync('ed25519')
    for (const [pair, alg] of [
      [rsa, 'RS256'],
      [p384, 'ES384'],
      [ed, 'EdDSA'],
    ] as const) {
      const token = await issuer.sign({}, { privateKey: pair.privateKey })
      expect(decodeProtectedHeader(token).alg).toBe(alg)
      await expect(verify(token, pair.publicKey)).resolves.toBeDefined()
    }
  })

  it('accepts a WebCrypto CryptoKey as privateKey', async () => {
    const pair = (await webcrypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair
    const token = await issuer.sign({}, { privateKey: pair.privateKey, kid: 'attacker' })
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: 'attacker' })
    await expect(verify(token, pair.publicKey)).resolves.toBeDefined()
  })

  it('uses rawPayload verbatim as the payload', async () => {
    const raw = '{"sub":"a","sub":"b"}'
    const token = await issuer.sign({ sub: 'ignored' }, { rawPayload: raw })
    const part = token.split('.')[1] ?? ''
    expect(Buffer.from(part, 'base64url').toString('utf8')).toBe(raw)
  })

  it('rejects privateKey together with keyId, and an unknown keyId', async () => {
    const attacker = await generateTestKey('RS256')
    await expect(
      issuer.sign({}, { privateKey: attacker.privateKey, keyId: issuer.publicJwk().kid as string }),
    ).rejects.toThrow(TypeError)
    await expect(issuer.sign({}, { keyId: 'nope' })).rejects.toThrow(/no key/)
  })
})

describe('sign with a configured issuer', () => {
  it('uses the configured algorithm, audience and token lifetime', async () => {
    const custom = await createTestIssuer({
      algorithm: 'EdDSA',
      audience: ['https://a.test', 'https://b.test'],
      tokenLifetime: 30,
    })
    try {
      const { payload, protectedHeader } = await jwtVerify(
        await custom.sign(),
        createRemoteJWKSet(new URL(custom.jwksUri)),
        { issuer: custom.issuer, audience: 'https://b.test' },
      )
      expect(protectedHeader.alg).toBe('EdDSA')
      expect(payload.aud).toEqual(['https://a.test', 'https://b.test'])
      expect(payload.exp).toBe((payload.iat ?? 0) + 30)
      expect(custom.audience).toEqual(['https://a.test', 'https://b.test'])
    } finally {
      await custom.close()
    }
  })
})
