import { constants, generateKeyPairSync, sign as signBytes, type KeyObject } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numRuns } from '../test/num-runs.js'
import { DPOP_ALGORITHMS, verifyDpopProof, type ExpectedProof } from './dpop.js'
import { isOAuthError } from './errors.js'
import { normalizeHtu } from './htu.js'
import { nativeSignatures } from './platform/signature.node.js'

/**
 * The differential test of DPoP proofs: `verifyDpopProof` on `node:crypto` and on Web Crypto
 * (jose) must accept the same proofs with the same thumbprint and claims, and refuse the others
 * with the same description. `FAST_CHECK_NUM_RUNS` raises the runs (see `scripts/fuzz.mjs`).
 */

const NOW = 1_900_000_000
const TOKEN = 'an-access-token'
const URL = 'https://api.example/files'
const expected: ExpectedProof = {
  method: 'GET',
  htu: normalizeHtu(URL) as string,
  accessToken: TOKEN,
  now: NOW,
}
const rules = { algorithms: DPOP_ALGORITHMS, maxAge: 300, clockTolerance: 5 }
const native = nativeSignatures as NonNullable<typeof nativeSignatures>

const b64u = (value: string | Buffer): string => Buffer.from(value).toString('base64url')
const ath = native.sha256(TOKEN)

async function outcome(proof: string, withNative: boolean): Promise<unknown> {
  try {
    const verified = await verifyDpopProof(proof, expected, rules, withNative ? native : undefined)
    return { ok: true, ...verified }
  } catch (error) {
    if (!isOAuthError(error)) return { thrown: String(error) }
    return { status: error.status, code: error.code, description: error.description }
  }
}

const KEYS: Record<string, { pair: { privateKey: KeyObject; publicKey: KeyObject } }> = {
  p256: { pair: generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  p384: { pair: generateKeyPairSync('ec', { namedCurve: 'P-384' }) },
  rsa: { pair: generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  small: { pair: generateKeyPairSync('rsa', { modulusLength: 1024 }) },
  ed: { pair: generateKeyPairSync('ed25519') },
}
const jwkOf = (name: string): Record<string, unknown> =>
  (KEYS[name] as (typeof KEYS)[string]).pair.publicKey.export({ format: 'jwk' }) as Record<
    string,
    unknown
  >

function signature(alg: string, name: string, input: string): Buffer {
  const { privateKey } = (KEYS[name] as (typeof KEYS)[string]).pair
  const data = Buffer.from(input)
  const hash = `sha${alg.slice(2)}`
  try {
    if (privateKey.asymmetricKeyType === 'ed25519') return signBytes(null, data, privateKey)
    if (privateKey.asymmetricKeyType === 'ec') {
      return signBytes(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    }
    if (alg.startsWith('PS')) {
      return signBytes(hash, data, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(alg.slice(2)) / 8,
      })
    }
    return signBytes(alg.startsWith('RS') ? hash : 'sha256', data, privateKey)
  } catch {
    return Buffer.from('cannot sign')
  }
}

const FITTING: Record<string, string> = { ES256: 'p256', ES384: 'p384', EdDSA: 'ed', Ed25519: 'ed' }

/** The valid value mostly, sometimes one of the others. */
const mostly = <T>(valid: T, ...others: T[]): fc.Arbitrary<T> =>
  fc.oneof({ weight: 12, arbitrary: fc.constant(valid) }, fc.constantFrom(...others))

const proofInput = fc.record({
  alg: fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...DPOP_ALGORITHMS) },
    fc.constantFrom('HS256', 'none'),
  ),
  signer: mostly('fitting', 'p256', 'rsa', 'small', 'ed'),
  jwkFrom: mostly('signer', 'p256', 'rsa', 'ed'),
  jwkChange: mostly(
    'none',
    'use-enc',
    'alg-other',
    'crv-other',
    'x-number',
    'kty-missing',
    'private',
    'extra',
    'x-unicode',
    'x-short',
  ),
  typ: mostly('dpop+jwt', 'DPoP+JWT', 'application/dpop+jwt', 'jwt'),
  crit: mostly(false, true),
  claims: fc.record(
    {
      jti: mostly<unknown>('jti-1', '', 'x'.repeat(300), 5),
      htm: mostly('GET', 'POST', 'get'),
      htu: mostly(URL, `${URL}?q=1`, 'https://API.example/files', 'https://other/files'),
      iat: mostly<unknown>(NOW, NOW - 299, NOW - 301, NOW + 5, NOW + 6, '1', NOW + 0.5),
      ath: mostly(ath, 'wrong'),
      nonce: mostly<unknown>('n-1', '', 3),
      exp: mostly<unknown>(NOW + 60, NOW - 10, 'x', NOW - 5),
      nbf: mostly<unknown>(NOW - 10, NOW + 60, null, NOW + 5),
    },
    { requiredKeys: ['jti', 'htm', 'htu', 'iat', 'ath'] },
  ),
  mutation: mostly('none', 'flip-signature', 'flip-payload', 'junk'),
})

describe('DPoP proofs on node:crypto', () => {
  it(
    'are accepted and refused exactly as on Web Crypto, with the same answer',
    async () => {
      let accepted = 0
      await fc.assert(
        fc.asyncProperty(proofInput, async (input) => {
          const signer = input.signer === 'fitting' ? (FITTING[input.alg] ?? 'rsa') : input.signer
          let jwk: Record<string, unknown> = jwkOf(
            input.jwkFrom === 'signer' ? signer : input.jwkFrom,
          )
          switch (input.jwkChange) {
            case 'use-enc':
              jwk = { ...jwk, use: 'enc' }
              break
            case 'alg-other':
              jwk = { ...jwk, alg: 'RS512' }
              break
            case 'crv-other':
              jwk = { ...jwk, crv: jwk['crv'] === 'P-256' ? 'P-384' : 'X25519' }
              break
            case 'x-number':
              jwk = { ...jwk, x: 12 }
              break
            case 'kty-missing':
              jwk = { ...jwk, kty: undefined }
              break
            case 'private':
              jwk = { ...jwk, d: 'AAAA' }
              break
            case 'extra':
              jwk = { ...jwk, kid: 'k', foo: 'bar' }
              break
            case 'x-unicode':
              jwk = { ...jwk, x: `${String(jwk['x'] ?? 'AAAA')}é`, n: `${String(jwk['n'] ?? '')}é` }
              break
            case 'x-short':
              jwk = { ...jwk, x: 'AAAA' }
              break
          }
          const header = {
            typ: input.typ,
            alg: input.alg,
            jwk,
            ...(input.crit ? { crit: ['b64'] } : {}),
          }
          const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(input.claims))}`
          let proof = `${signingInput}.${b64u(signature(input.alg, signer, signingInput))}`
          const [h, p, s] = proof.split('.') as [string, string, string]
          const flip = (t: string): string => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`
          if (input.mutation === 'flip-signature') proof = `${h}.${p}.${flip(s)}`
          if (input.mutation === 'flip-payload') proof = `${h}.${flip(p)}.${s}`
          if (input.mutation === 'junk') proof = `${h}.${p}.${b64u('junk')}`
          const web = await outcome(proof, false)
          const node = await outcome(proof, true)
          expect({ proof, outcome: node }).toEqual({ proof, outcome: web })
          if ((web as { ok?: boolean }).ok) accepted += 1
        }),
        { numRuns: numRuns(1500) },
      )
      // The generator reaches both answers.
      expect(accepted).toBeGreaterThan(numRuns(1500) / 20)
    },
    Math.max(120_000, numRuns(1500) * 40),
  )
})
