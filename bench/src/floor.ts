// The physical floor of JWT verification on Node: what a hand-written middleware pays when it
// imports the issuer's JWK once as a KeyObject and checks each token synchronously with
// node:crypto, plus the claims every contender checks (iss, aud, exp). No discovery, no key
// rotation, no error detail: only the work a verification cannot avoid.
import { createPublicKey, verify, type KeyObject } from 'node:crypto'

/** The claims the floor reads from a token's payload. */
export interface FloorPayload {
  iss?: unknown
  aud?: unknown
  exp?: unknown
  sub?: string
}

/** Verifies one compact JWS; returns its payload, or undefined when anything is wrong. */
export type FloorVerify = (token: string) => FloorPayload | undefined

interface FloorOptions {
  jwksUri: string
  issuer: string
  audience: string
  alg: string
}

/** `node:crypto.verify` arguments for one JWS algorithm. */
function verifyArgs(
  alg: string,
  key: KeyObject,
): [string | null, KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' }] {
  if (alg === 'RS256') return ['sha256', key]
  if (alg === 'ES256') return ['sha256', { key, dsaEncoding: 'ieee-p1363' }]
  if (alg === 'EdDSA') return [null, key]
  throw new Error(`floor: unsupported algorithm ${alg}`)
}

/** Fetches the JWKS once and returns the synchronous verifier for `options.alg`. */
export async function createFloorVerifier(options: FloorOptions): Promise<FloorVerify> {
  const response = await fetch(options.jwksUri)
  const { keys } = (await response.json()) as { keys: { kid?: string; alg?: string }[] }
  const byKid = new Map<
    string,
    [string | null, KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' }]
  >()
  for (const jwk of keys) {
    if (jwk.alg !== options.alg || jwk.kid === undefined) continue
    const key = createPublicKey({ key: jwk as never, format: 'jwk' })
    byKid.set(jwk.kid, verifyArgs(options.alg, key))
  }
  const { issuer, audience, alg } = options
  return (token) => {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    if (first <= 0 || second <= first || token.indexOf('.', second + 1) !== -1) return undefined
    try {
      const header = JSON.parse(
        Buffer.from(token.slice(0, first), 'base64url').toString('utf8'),
      ) as { alg?: unknown; kid?: unknown }
      if (header.alg !== alg || typeof header.kid !== 'string') return undefined
      const args = byKid.get(header.kid)
      if (args === undefined) return undefined
      const signature = Buffer.from(token.slice(second + 1), 'base64url')
      if (!verify(args[0], Buffer.from(token.slice(0, second)), args[1], signature))
        return undefined
      const payload = JSON.parse(
        Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
      ) as FloorPayload
      if (payload.iss !== issuer) return undefined
      const aud = payload.aud
      if (aud !== audience && !(Array.isArray(aud) && aud.includes(audience))) return undefined
      if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) return undefined
      return payload
    } catch {
      return undefined
    }
  }
}
