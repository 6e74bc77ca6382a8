import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { DPOP_ALGORITHMS, verifyDpopProof, type DpopProofRules } from './dpop.js'
import { isOAuthError, type OAuthError } from './errors.js'
import { hashToken } from './token-hash.js'

// RFC 9449 §7.1 Figs. 13–14 and §6.1 (verified in /work/shared/specs/rfc9449-dpop.md).
const RFC_TOKEN = 'Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU'
const RFC_JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'
const RFC_IAT = 1562262618
const RFC_HTU = 'https://resource.example.org/protectedresource'
const RFC_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA'
const RFC_TOKEN_ENDPOINT_PROOF =
  'eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg'

const RULES: DpopProofRules = { algorithms: DPOP_ALGORITHMS, maxAge: 300, clockTolerance: 5 }
const rfcRequest = { method: 'GET', htu: RFC_HTU, accessToken: RFC_TOKEN, now: RFC_IAT }

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

describe('RFC 9449 test vectors', () => {
  it('accepts the Fig. 13 proof at its iat and yields the RFC thumbprint', async () => {
    const proof = await verifyDpopProof(RFC_PROOF, rfcRequest, RULES)
    expect(proof.thumbprint).toBe(RFC_JKT)
    expect(proof.jti).toBe('e1j3V_bKic8-LAEB')
    expect(proof.htu).toBe(RFC_HTU)
    expect(proof.algorithm).toBe('ES256')
    expect(await hashToken(RFC_TOKEN)).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo')
  })

  it('rejects the Fig. 13 proof 301 seconds later as too old', async () => {
    const error = await rejection(
      verifyDpopProof(RFC_PROOF, { ...rfcRequest, now: RFC_IAT + 301 }, RULES),
    )
    expect(error.code).toBe('invalid_dpop_proof')
    expect(error.status).toBe(401)
    expect(error.description).toMatch(/too old/)
  })

  it('rejects the Fig. 13 proof when the server clock is far behind its iat', async () => {
    const error = await rejection(
      verifyDpopProof(RFC_PROOF, { ...rfcRequest, now: RFC_IAT - 60 }, RULES),
    )
    expect(error.description).toMatch(/future/)
  })

  it('rejects the Fig. 2 token-endpoint proof at a resource (no ath)', async () => {
    const error = await rejection(
      verifyDpopProof(
        RFC_TOKEN_ENDPOINT_PROOF,
        {
          method: 'POST',
          htu: 'https://server.example.com/token',
          accessToken: RFC_TOKEN,
          now: RFC_IAT,
        },
        RULES,
      ),
    )
    expect(error.code).toBe('invalid_dpop_proof')
    expect(error.description).toMatch(/ath/)
  })

  it('rejects the Fig. 13 proof for another token, method or URL', async () => {
    for (const request of [
      { ...rfcRequest, accessToken: `${RFC_TOKEN}x` },
      { ...rfcRequest, method: 'POST' },
      { ...rfcRequest, htu: 'https://resource.example.org/other' },
      { ...rfcRequest, htu: 'http://resource.example.org/protectedresource' },
    ]) {
      expect((await rejection(verifyDpopProof(RFC_PROOF, request, RULES))).code).toBe(
        'invalid_dpop_proof',
      )
    }
  })

  it('rejects the Fig. 13 proof with one signature byte changed', async () => {
    const last = RFC_PROOF.at(-2) === 'A' ? 'B' : 'A'
    const tampered = `${RFC_PROOF.slice(0, -2)}${last}${RFC_PROOF.at(-1)}`
    const error = await rejection(verifyDpopProof(tampered, rfcRequest, RULES))
    expect(error.description).toMatch(/signature/)
  })

  it('rejects an algorithm outside the allowlist', async () => {
    const error = await rejection(
      verifyDpopProof(RFC_PROOF, rfcRequest, { ...RULES, algorithms: ['PS256'] }),
    )
    expect(error.description).toMatch(/PS256/)
  })
})

describe('tampered proofs', () => {
  let privateKey: CryptoKey
  let jwk: JWK
  const token = 'access-token-value'
  const now = Math.floor(Date.now() / 1000)
  const expected = { method: 'GET', htu: 'https://api.example.com/files', accessToken: token, now }

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    privateKey = pair.privateKey
    jwk = await exportJWK(pair.publicKey)
  })

  async function proof(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key: CryptoKey | Uint8Array = privateKey,
    alg = 'ES256',
  ): Promise<string> {
    return new SignJWT({
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: 'https://api.example.com/files',
      iat: now,
      ath: await hashToken(token),
      ...claims,
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk, ...header } as never)
      .sign(key)
  }

  /** Signs without jose's header checks (for headers jose refuses to produce, such as crit). */
  async function rawProof(header: Record<string, unknown>): Promise<string> {
    const encode = (value: unknown): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${encode({ typ: 'dpop+jwt', alg: 'ES256', jwk, ...header })}.${encode({
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: 'https://api.example.com/files',
      iat: now,
      ath: await hashToken(token),
    })}`
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      privateKey,
      new TextEncoder().encode(input),
    )
    return `${input}.${Buffer.from(signature).toString('base64url')}`
  }

  const reject = async (value: string | Promise<string>, pattern: RegExp): Promise<void> => {
    const error = await rejection(verifyDpopProof(await value, expected, RULES))
    expect(error.code).toBe('invalid_dpop_proof')
    expect(error.status).toBe(401)
    expect(error.description).toMatch(pattern)
  }

  it('accepts the untampered proof, and typ with the application/ prefix', async () => {
    expect((await verifyDpopProof(await proof(), expected, RULES)).thumbprint).toMatch(
      /^[\w-]{43}$/,
    )
    const prefixed = await proof({}, { typ: 'application/dpop+jwt' })
    expect((await verifyDpopProof(prefixed, expected, RULES)).jti).toMatch(/-/)
  })

  it('normalises htu before comparing (case, default port, query, fragment)', async () => {
    const value = await proof({ htu: 'HTTPS://API.example.com:443/files?x=1#frag' })
    await expect(verifyDpopProof(value, expected, RULES)).resolves.toBeDefined()
  })

  it('rejects typ JWT, a missing typ and alg none', async () => {
    await reject(proof({}, { typ: 'JWT' }), /typ/)
    await reject(proof({}, { typ: undefined }), /typ/)
    const [, payload] = (await proof()).split('.')
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk })).toString(
      'base64url',
    )
    await reject(`${header}.${payload}.`, /compact JWS/)
    await reject(`${header}.${payload}.c2ln`, /none/)
  })

  it('rejects HS256, even with the public key as the secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(jwk).padEnd(32, 'x'))
    await reject(proof({}, {}, secret, 'HS256'), /signed with one of/)
  })

  it('rejects a private jwk, an oct jwk and a jwk that does not match alg', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = await exportJWK(pair.privateKey)
    await reject(proof({}, { jwk: privateJwk }, pair.privateKey), /public key/)
    await reject(proof({}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } }), /public key/)
    const p384 = await generateKeyPair('ES384', { extractable: true })
    await reject(proof({}, { jwk: await exportJWK(p384.publicKey) }), /signature or key/)
    await reject(proof({}, { jwk: 'not a key' }), /jwk/)
    await reject(proof({}, { jwk: undefined }), /jwk/)
  })

  it('rejects an RSA key under 2048 bits', async () => {
    const small = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as { publicKey: CryptoKey; privateKey: CryptoKey }
    const { kty, n, e } = await crypto.subtle.exportKey('jwk', small.publicKey)
    const encode = (value: unknown): string =>
      Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${encode({ typ: 'dpop+jwt', alg: 'RS256', jwk: { kty, n, e } })}.${encode({
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: 'https://api.example.com/files',
      iat: now,
      ath: await hashToken(token),
    })}`
    const signature = await crypto.subtle.sign(
      'RSASSA-PKCS1-v1_5',
      small.privateKey,
      new TextEncoder().encode(input),
    )
    await reject(`${input}.${Buffer.from(signature).toString('base64url')}`, /signature or key/)
  })

  it('rejects a jwk whose use or alg disagrees, and accepts one whose use and alg agree', async () => {
    await reject(proof({}, { jwk: { ...jwk, use: 'enc' } }), /signing key/)
    await reject(proof({}, { jwk: { ...jwk, alg: 'ES384' } }), /another algorithm/)
    await reject(proof({}, { jwk: { ...jwk, x: 42 } }), /malformed/)
    const agreeing = await proof({}, { jwk: { ...jwk, use: 'sig', alg: 'ES256', kid: 'k1' } })
    expect((await verifyDpopProof(agreeing, expected, RULES)).jwk).toMatchObject({ kid: 'k1' })
  })

  it('rejects a proof signed by another key than its jwk', async () => {
    const other = await generateKeyPair('ES256')
    await reject(proof({}, {}, other.privateKey), /signature/)
  })

  it('rejects crit, wrong htm (also lower-case), htu, ath and missing claims', async () => {
    await expect(verifyDpopProof(await rawProof({}), expected, RULES)).resolves.toBeDefined()
    await reject(rawProof({ crit: ['exp'], exp: 1 }), /crit/)
    await reject(proof({ htm: 'POST' }), /method/)
    await reject(proof({ htm: 'get' }), /method/)
    await reject(proof({ htu: 'https://api.example.com/other' }), /URL/)
    await reject(proof({ htu: 'https://evil.example.com/files' }), /URL/)
    await reject(proof({ htu: 'not a url' }), /URL/)
    await reject(proof({ ath: await hashToken('another token') }), /another access token/)
    for (const claim of ['jti', 'htm', 'htu', 'ath']) {
      await reject(proof({ [claim]: undefined }), new RegExp(claim))
      await reject(proof({ [claim]: 42 }), new RegExp(claim))
    }
    await reject(proof({ iat: undefined }), /iat/)
    await reject(proof({ jti: 'x'.repeat(257) }), /jti/)
  })

  it('rejects proofs outside the iat window', async () => {
    await reject(proof({ iat: now - 301 }), /too old/)
    await reject(proof({ iat: now + 60 }), /future/)
    await expect(
      verifyDpopProof(await proof({ iat: now + 5 }), expected, RULES),
    ).resolves.toBeDefined()
    await expect(
      verifyDpopProof(await proof({ iat: now - 300 }), expected, RULES),
    ).resolves.toBeDefined()
  })

  it('rejects junk, JWE-shaped and oversized values', async () => {
    await reject('not-a-jwt', /compact JWS/)
    await reject('a.b.c.d.e', /compact JWS/)
    await reject(`${await proof()}.extra`, /compact JWS/)
    await reject('e30.e30.c2ln', /typ/)
    await reject(`${'a'.repeat(9000)}.b.c`, /too long/)
  })
})
