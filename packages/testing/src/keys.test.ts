import { describe, expect, it } from 'vitest'
import { generateTestKey } from './keys.js'

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

describe('generateTestKey', () => {
  it.each([
    ['RS256', 'rsa', { kty: 'RSA', e: 'AQAB' }],
    ['ES256', 'ec', { kty: 'EC', crv: 'P-256' }],
    ['EdDSA', 'ed25519', { kty: 'OKP', crv: 'Ed25519' }],
  ] as const)('makes a %s key pair with a public JWK', async (alg, type, members) => {
    const key = await generateTestKey(alg)
    expect(key.privateKey.type).toBe('private')
    expect(key.privateKey.asymmetricKeyType).toBe(type)
    expect(key.publicJwk).toMatchObject({ ...members, alg, use: 'sig', kid: key.kid })
    for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member)
  })

  it('makes 2048-bit RSA keys', async () => {
    const key = await generateTestKey('RS256')
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
  })

  it('gives every key a different random kid', async () => {
    const [a, b] = await Promise.all([generateTestKey('ES256'), generateTestKey('ES256')])
    expect(a.kid).not.toBe(b.kid)
    expect(a.kid).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('rejects an unknown algorithm', async () => {
    await expect(generateTestKey('HS256' as 'RS256')).rejects.toThrow(TypeError)
  })
})
