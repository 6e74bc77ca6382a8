import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import type { JSONWebKeySet, JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import { createJwtVerifier } from './jwt-verify.js'
import {
  ASYMMETRIC_ALGORITHMS,
  secretSource,
  staticJwksSource,
  usableVerificationKeys,
  type KeySource,
} from './key-source.js'
import { silentLogger } from './logger.js'

const AUDIENCE = 'https://api.example.test'
const SECRET_32 = 'k'.repeat(32)
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

function verifierFor(keys: KeySource, algorithms: readonly string[] = ASYMMETRIC_ALGORITHMS) {
  return createJwtVerifier({
    issuer: issuer.issuer,
    audiences: [AUDIENCE],
    algorithms,
    keys,
    clockTolerance: 5,
    maxTokenAge: undefined,
    requiredClaims: ['exp'],
    strictType: false,
    validators: [],
    now: Date.now,
    logger: silentLogger,
  })
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected an OAuthError')
}

function configurationError(fn: () => unknown): ConfigurationError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return error as ConfigurationError
  }
  throw new Error('expected a ConfigurationError')
}

describe('usableVerificationKeys', () => {
  it('keeps public RSA, EC and OKP signing keys', () => {
    const jwks = issuer.jwks() as JSONWebKeySet
    expect(jwks.keys.map((k) => k.kty)).toEqual(['RSA', 'EC', 'OKP'])
    expect(usableVerificationKeys(jwks)).toEqual(jwks)
  })

  it('drops private, symmetric, unknown-kty, encryption and malformed keys but keeps the good ones', () => {
    const rsa = issuer.publicJwk('RS256') as JWK
    const ec = issuer.publicJwk('ES256') as JWK
    const ed = issuer.publicJwk('EdDSA') as JWK
    const noUse: JWK = { ...ec, kid: 'no-use' }
    delete noUse.use
    const jwks = {
      keys: [
        { ...rsa, kid: 'private-rsa', d: 'AQAB', p: 'AQAB', q: 'AQAB' },
        { ...ec, kid: 'private-ec', d: 'AQAB' },
        { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
        { kty: 'AKP', kid: 'future', alg: 'ML-DSA-44', pub: 'AQAB' },
        { kty: 'XYZ', kid: 'unknown' },
        { ...rsa, kid: 'enc', use: 'enc' },
        { ...rsa, kid: 42 },
        { ...rsa, kty: undefined, kid: 'no-kty' },
        null,
        'RSA',
        [rsa],
        rsa,
        noUse,
        ed,
      ],
    }
    expect(usableVerificationKeys(jwks)?.keys.map((k) => k.kid)).toEqual([
      rsa.kid,
      'no-use',
      ed.kid,
    ])
  })

  it('returns an empty set for a JWK Set with no usable key', () => {
    expect(usableVerificationKeys({ keys: [] })).toEqual({ keys: [] })
    expect(usableVerificationKeys({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })).toEqual({ keys: [] })
  })

  it.each([null, undefined, 'keys', 42, [], {}, { keys: 'x' }, { keys: { 0: {} } }])(
    'returns undefined for %j, which is not a JWK Set',
    (value) => {
      expect(usableVerificationKeys(value)).toBeUndefined()
    },
  )
})

describe('staticJwksSource', () => {
  it('verifies tokens of each published algorithm', async () => {
    const keys = staticJwksSource(issuer.jwks() as JSONWebKeySet)
    expect(keys.kind).toBe('asymmetric')
    await expect(keys.warmUp()).resolves.toBeUndefined()
    const verify = verifierFor(keys)
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { protectedHeader } = await verify(await issuer.sign({}, { alg }))
      expect(protectedHeader.alg).toBe(alg)
    }
  })

  it('still verifies with the good key when the set also holds unusable keys (RFC 7517 §5)', async () => {
    const rsa = issuer.publicJwk('RS256') as JWK
    const keys = staticJwksSource({
      keys: [{ kty: 'XYZ', kid: 'x' } as unknown as JWK, { ...rsa, d: 'AQAB', kid: 'p' }, rsa],
    })
    const { payload } = await verifierFor(keys)(await issuer.sign())
    expect(payload.sub).toBe('user-123')
  })

  it('returns public CryptoKeys and fails an unknown kid with ERR_JWKS_NO_MATCHING_KEY', async () => {
    const keys = staticJwksSource(issuer.jwks() as JSONWebKeySet)
    const key = await keys.getKey({ alg: 'RS256', kid: issuer.publicJwk('RS256')['kid'] as string })
    expect(key).toMatchObject({ type: 'public' })
    await expect(keys.getKey({ alg: 'RS256', kid: 'unknown' })).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    })
    // a kid of the wrong key type does not match either
    await expect(
      keys.getKey({ alg: 'ES256', kid: issuer.publicJwk('RS256')['kid'] as string }),
    ).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' })
  })

  it('rejects a token from an unknown key as no_matching_key', async () => {
    const error = await rejection(
      verifierFor(staticJwksSource(issuer.jwks() as JSONWebKeySet))(
        await issuer.sign({}, { alg: 'ES384' }),
      ),
    )
    expect(error.reason).toBe('no_matching_key')
  })

  it.each([
    ['an empty set', { keys: [] }],
    ['only a symmetric key', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }],
    ['only private keys', { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] }],
    ['only encryption keys', { keys: [{ kty: 'RSA', n: 'a', e: 'AQAB', use: 'enc' }] }],
    ['not a JWK Set', { foo: 1 }],
  ])('throws a ConfigurationError for %s', (_what, jwks) => {
    const error = configurationError(() => staticJwksSource(jwks as JSONWebKeySet))
    expect(error.message).toMatch(/^scopeguard: jwks has no usable public signing keys/)
  })
})

describe('secretSource', () => {
  it('verifies HS256 tokens signed with the secret, and rejects another secret', async () => {
    const keys = secretSource(SECRET_32, ['HS256'])
    expect(keys.kind).toBe('symmetric')
    await expect(keys.warmUp()).resolves.toBeUndefined()
    const verify = verifierFor(keys, ['HS256'])
    const { protectedHeader } = await verify(
      await issuer.sign({}, { alg: 'HS256', secret: SECRET_32 }),
    )
    expect(protectedHeader.alg).toBe('HS256')
    const error = await rejection(
      verify(await issuer.sign({}, { alg: 'HS256', secret: 'x'.repeat(32) })),
    )
    expect(error.reason).toBe('bad_signature')
  })

  it('accepts a Uint8Array secret and returns an HMAC key for each algorithm', async () => {
    const secret = new Uint8Array(64).fill(7)
    const keys = secretSource(secret, ['HS256', 'HS512'])
    expect(await keys.getKey({ alg: 'HS512' })).toMatchObject({
      type: 'secret',
      algorithm: { name: 'HMAC', hash: { name: 'SHA-512' } },
    })
    const verify = verifierFor(keys, ['HS256', 'HS512'])
    await expect(verify(await issuer.sign({}, { alg: 'HS512', secret }))).resolves.toBeDefined()
  })

  it('counts bytes, not characters', () => {
    // 16 characters, 32 bytes in UTF-8
    expect(secretSource('é'.repeat(16), ['HS256']).kind).toBe('symmetric')
    configurationError(() => secretSource('é'.repeat(15), ['HS256']))
  })

  it.each([
    ['a 31-byte secret for HS256', 'k'.repeat(31), ['HS256'], /31 bytes; HS256 needs at least 32/],
    ['a 32-byte secret for HS384', SECRET_32, ['HS256', 'HS384'], /HS384 needs at least 48/],
    ['a 48-byte secret for HS512', 'k'.repeat(48), ['HS512'], /HS512 needs at least 64/],
    ['an empty secret', '', ['HS256'], /0 bytes/],
    ['an asymmetric algorithm', SECRET_32, ['RS256'], /RS256 cannot be verified with a secret/],
    ['none', SECRET_32, ['none'], /none cannot be verified with a secret/],
  ])('throws a ConfigurationError for %s', (_what, secret, algorithms, message) => {
    expect(configurationError(() => secretSource(secret, algorithms)).message).toMatch(message)
  })
})
