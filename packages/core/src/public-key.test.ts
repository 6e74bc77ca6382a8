import { generateKeyPairSync } from 'node:crypto'
import { createTestCertificate, createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError, isOAuthError } from './errors.js'
import { ASYMMETRIC_ALGORITHMS } from './key-source.js'
import { silentLogger } from './logger.js'
import type { ResourceServerOptions } from './options.js'
import { parsePublicKey, publicKeySource } from './public-key.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

const request = (token: string): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
})

function spki(type: 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'rsa-pss', option: object = {}): string {
  const { publicKey } = generateKeyPairSync(type as 'rsa', option as { modulusLength: number })
  return publicKey.export({ type: 'spki', format: 'pem' }).toString()
}

function server(options: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    publicKey: issuer.publicKeyPem('RS256'),
    dpop: 'disabled',
    logger: false,
    ...options,
  } as ResourceServerOptions)
}

async function outcome(promise: Promise<{ subject?: string }>): Promise<string> {
  try {
    const auth = await promise
    return `ok ${auth.subject}`
  } catch (error) {
    if (isOAuthError(error)) return `${error.status} ${error.code} ${error.reason}`
    throw error
  }
}

function configurationMessage(options: Partial<ResourceServerOptions>): string {
  try {
    server(options)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigurationError')
}

describe('parsePublicKey', () => {
  it('derives the algorithms each key type can verify, within the accepted ones', () => {
    const all = ASYMMETRIC_ALGORITHMS
    expect(parsePublicKey(issuer.publicKeyPem('RS256'), all, 'k')).toMatchObject({
      type: 'RSA 2048',
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
    })
    expect(parsePublicKey(issuer.publicKeyPem('ES256'), all, 'k')).toMatchObject({
      type: 'EC P-256',
      algorithms: ['ES256'],
    })
    expect(parsePublicKey(spki('ec', { namedCurve: 'P-384' }), all, 'k').algorithms).toEqual([
      'ES384',
    ])
    expect(parsePublicKey(spki('ec', { namedCurve: 'P-521' }), all, 'k').algorithms).toEqual([
      'ES512',
    ])
    expect(parsePublicKey(issuer.publicKeyPem('EdDSA'), all, 'k')).toMatchObject({
      type: 'Ed25519',
      algorithms: ['EdDSA', 'Ed25519'],
    })
    expect(
      parsePublicKey(issuer.publicKeyPem('RS256'), ['PS256', 'ES256'], 'k').algorithms,
    ).toEqual(['PS256'])
  })

  it.each([
    ['not PEM at all', 'hello', 'publicKey must be an SPKI public key in PEM'],
    [
      'a private key',
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      'publicKey is a private key',
    ],
    [
      'a PKCS#1 RSA key',
      generateKeyPairSync('rsa', { modulusLength: 2048 })
        .publicKey.export({ type: 'pkcs1', format: 'pem' })
        .toString(),
      'publicKey is a PKCS#1 "RSA PUBLIC KEY"',
    ],
    [
      'a corrupted body',
      '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
      'publicKey is not a valid SPKI public key',
    ],
    [
      'a 1024-bit RSA key',
      spki('rsa', { modulusLength: 1024 }),
      'publicKey is an RSA key of 1024 bits',
    ],
    ['a secp256k1 key', spki('ec', { namedCurve: 'secp256k1' }), 'unsupported curve'],
    ['an Ed448 key', spki('ed448'), 'unsupported key type (Ed448)'],
    ['an RSASSA-PSS-only key', spki('rsa-pss', { modulusLength: 2048 }), 'RSASSA-PSS-only'],
  ])('refuses %s at construction, naming the option', (_, pem, message) => {
    expect(configurationMessage({ publicKey: pem })).toContain(message)
  })

  it('refuses a certificate, saying how to get its public key', async () => {
    const { certificate } = await createTestCertificate()
    expect(configurationMessage({ publicKey: certificate })).toContain(
      'publicKey is a certificate; give its public key',
    )
  })

  it('never echoes key material in its messages', () => {
    const secretish = '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----'
    expect(configurationMessage({ publicKey: secretish })).not.toContain('SECRETSECRET')
  })

  it('names the key of a list, and the issuer of issuers[]', () => {
    expect(configurationMessage({ publicKey: [issuer.publicKeyPem('RS256'), 'junk'] })).toContain(
      'publicKey[1] must be an SPKI public key',
    )
    expect(configurationMessage({ publicKey: [] })).toContain('publicKey must be an SPKI PEM')
    const message = configurationMessage({
      issuer: undefined,
      publicKey: undefined,
      issuers: [
        { issuer: issuer.issuer, jwksUri: issuer.jwksUri },
        { issuer: 'https://other.example.test', publicKey: 'junk' },
      ],
    })
    expect(message).toContain('issuers[1].publicKey must be an SPKI public key')
  })

  it('refuses a key that none of the accepted algorithms fits', () => {
    expect(
      configurationMessage({ publicKey: issuer.publicKeyPem('ES256'), algorithms: ['RS256'] }),
    ).toContain('publicKey is an EC P-256 key, but algorithms allows none of ES256')
  })

  it('is one key source among jwksUri, jwks, secret and publicKey', () => {
    expect(configurationMessage({ jwksUri: issuer.jwksUri })).toContain(
      'give only one key source; got jwksUri and publicKey',
    )
    expect(configurationMessage({ secret: 'k'.repeat(32) })).toContain(
      'give only one key source; got secret and publicKey',
    )
    expect(configurationMessage({ algorithms: ['HS256'] })).toContain(
      'algorithm HS256 needs a shared secret',
    )
  })
})

describe('publicKey option', () => {
  it.each([
    ['RS256', 'RS256'],
    ['PS256', 'RS256'],
    ['RS384', 'RS256'],
    ['ES256', 'ES256'],
    ['EdDSA', 'EdDSA'],
  ] as const)('verifies a %s token with the PEM key, fetching nothing', async (alg, keyAlg) => {
    issuer.resetCounts()
    const rs = server({ publicKey: issuer.publicKeyPem(keyAlg) })
    const token = await issuer.sign({ sub: `user-${alg}` }, { alg })
    expect(await outcome(rs.authenticate(request(token)))).toBe(`ok user-${alg}`)
    expect(issuer.requestCount('all')).toBe(0)
  })

  it('ignores the kid: a token whose kid names no key still verifies with the PEM key', async () => {
    const token = await issuer.sign({ sub: 'kidless' }, { header: { kid: 'not-a-known-kid' } })
    expect(await outcome(server().authenticate(request(token)))).toBe('ok kidless')
  })

  it('tries each key of a type that fits during a rotation, and refuses other keys', async () => {
    const rotating = await createTestIssuer({ audience: AUDIENCE })
    try {
      const before = rotating.publicKeyPem('RS256')
      const oldToken = await rotating.sign({ sub: 'old' })
      await rotating.rotateKey('RS256')
      const after = rotating.publicKeyPem('RS256')
      const newToken = await rotating.sign({ sub: 'new' })
      const rs = server({
        issuer: rotating.issuer,
        publicKey: [rotating.publicKeyPem('ES256'), before, after],
      })
      expect(await outcome(rs.authenticate(request(oldToken)))).toBe('ok old')
      expect(await outcome(rs.authenticate(request(newToken)))).toBe('ok new')
      const es = await rotating.sign({ sub: 'ec' }, { alg: 'ES256' })
      expect(await outcome(rs.authenticate(request(es)))).toBe('ok ec')

      const onlyOld = server({ issuer: rotating.issuer, publicKey: before })
      expect(await outcome(onlyOld.authenticate(request(newToken)))).toBe(
        '401 invalid_token bad_signature',
      )
    } finally {
      await rotating.close()
    }
  })

  it('refuses a token whose alg fits no configured key', async () => {
    const token = await issuer.sign({}, { alg: 'ES256' })
    expect(await outcome(server().authenticate(request(token)))).toBe(
      '401 invalid_token no_matching_key',
    )
  })

  it('refuses an HS256 token signed with the PEM text as the secret (key confusion)', async () => {
    const pem = issuer.publicKeyPem('RS256')
    const token = await issuer.sign({}, { alg: 'HS256', secret: pem })
    expect(await outcome(server({ publicKey: pem }).authenticate(request(token)))).toBe(
      '401 invalid_token algorithm_not_allowed',
    )
    const listed = server({ publicKey: [pem, issuer.publicKeyPem('EdDSA')] })
    expect(await outcome(listed.authenticate(request(token)))).toBe(
      '401 invalid_token algorithm_not_allowed',
    )
  })

  it('refuses a token signed by a foreign key of the same type', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const token = await issuer.sign({}, { privateKey })
    expect(await outcome(server().authenticate(request(token)))).toBe(
      '401 invalid_token bad_signature',
    )
  })

  it('warms up by importing every key for each of its algorithms', async () => {
    const source = publicKeySource(
      [issuer.publicKeyPem('RS256'), issuer.publicKeyPem('EdDSA')],
      ['RS256', 'EdDSA'],
      silentLogger,
    )
    await expect(source.warmUp()).resolves.toBeUndefined()
    await expect(server().warmUp()).resolves.toBeUndefined()
  })
})
