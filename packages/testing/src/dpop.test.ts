import { createHash } from 'node:crypto'
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  type JWTPayload,
} from 'jose'
import { describe, expect, it } from 'vitest'
import { createTestDpopKey, type TestDpopAlgorithm } from './dpop.js'

const HTU = 'https://api.example.test/files'

async function verified(proof: string): Promise<JWTPayload> {
  const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' })
  expect(protectedHeader.jwk).not.toHaveProperty('d')
  return payload
}

describe('createTestDpopKey()', () => {
  for (const algorithm of ['ES256', 'RS256', 'EdDSA'] as TestDpopAlgorithm[]) {
    it(`makes ${algorithm} proofs signed by the key in their jwk header`, async () => {
      const key = await createTestDpopKey({ algorithm })
      expect(key.algorithm).toBe(algorithm)
      const proof = await key.proof('POST', HTU)
      expect(decodeProtectedHeader(proof)).toMatchObject({ alg: algorithm, typ: 'dpop+jwt' })
      expect(decodeProtectedHeader(proof).jwk).toEqual(key.publicJwk)
      const payload = await verified(proof)
      expect(payload).toMatchObject({ htm: 'POST', htu: HTU })
      expect(payload).not.toHaveProperty('ath')
      expect(payload).not.toHaveProperty('nonce')
    })
  }

  it('defaults to ES256', async () => {
    expect((await createTestDpopKey()).algorithm).toBe('ES256')
  })

  it('gives the RFC 7638 thumbprint of the public key as jkt', async () => {
    const key = await createTestDpopKey()
    expect(key.jkt).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'))
    expect(key.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('binds a proof to the access token (ath) and carries the server nonce', async () => {
    const key = await createTestDpopKey()
    const before = Math.floor(Date.now() / 1000)
    const proof = await key.proof('GET', HTU, 'the-token', 'n-1')
    const after = Math.ceil(Date.now() / 1000)
    const payload = await verified(proof)
    expect(payload.ath).toBe(createHash('sha256').update('the-token').digest('base64url'))
    expect(payload.nonce).toBe('n-1')
    // iat is the signing time: between the clock readings taken around the call
    expect(payload.iat).toBeGreaterThanOrEqual(before)
    expect(payload.iat).toBeLessThanOrEqual(after)
  })

  it('gives every proof a new jti', async () => {
    const key = await createTestDpopKey()
    const [a, b] = await Promise.all([key.proof('GET', HTU, 't'), key.proof('GET', HTU, 't')])
    expect((await verified(a!)).jti).not.toBe((await verified(b!)).jti)
  })

  it('gives distinct keys distinct thumbprints', async () => {
    const [a, b] = await Promise.all([createTestDpopKey(), createTestDpopKey()])
    expect(a.jkt).not.toBe(b.jkt)
  })

  it('makes the request headers of a DPoP-bound token', async () => {
    const key = await createTestDpopKey()
    expect(key.headers('tok', 'prf')).toEqual({ authorization: 'DPoP tok', dpop: 'prf' })
  })

  it('refuses an algorithm it cannot make', async () => {
    await expect(
      createTestDpopKey({ algorithm: 'HS256' as TestDpopAlgorithm }),
    ).rejects.toBeInstanceOf(TypeError)
  })
})
