import { errors, type JWK, type JWSHeaderParameters } from 'jose'
import type { NativeKey, NativeSignatures } from './native-signatures.js'

/**
 * The keys a token's header selects, for the synchronous verifier: one key, or (no `kid` and
 * several fitting keys) a list tried in turn. A list entry that is an error is thrown when the
 * verifier reaches it, as jose's key iterator does.
 */
export type NativeKeyMatch = NativeKey | readonly (NativeKey | Error)[]

/** Resolves the keys for a header, synchronously when they are at hand. Fails as `getKey` does. */
export type NativeKeyLookup = (
  header: JWSHeaderParameters,
) => NativeKeyMatch | Promise<NativeKeyMatch>

/** The key type and curve each asymmetric JWS algorithm needs (jose's table). */
export const KEY_TYPES: Readonly<Record<string, { kty: string; crv?: string }>> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
}

/** One JWK of a set, imported once (or the reason it cannot be). */
interface Entry {
  readonly jwk: Readonly<Record<string, unknown>>
  readonly key: NativeKey | Error
}

/** Whether a set member may verify `alg` for a token naming `kid` (jose's `isUsableJWK`). */
function usable(jwk: Readonly<Record<string, unknown>>, alg: string, kid: unknown): boolean {
  const { kty, key_ops: keyOps, ext, kid: jwkKid, alg: jwkAlg, use, crv } = jwk
  const type = KEY_TYPES[alg] as { kty: string; crv?: string }
  return (
    (ext === undefined || typeof ext === 'boolean') &&
    (keyOps === undefined ||
      (Array.isArray(keyOps) &&
        keyOps.every((op, index) => typeof op === 'string' && keyOps.indexOf(op) === index) &&
        keyOps.includes('verify'))) &&
    kty === type.kty &&
    (kid === undefined || (typeof kid === 'string' && kid === jwkKid)) &&
    (jwkAlg === undefined || alg === jwkAlg) &&
    (use === undefined || use === 'sig') &&
    (type.crv === undefined || crv === type.crv)
  )
}

/**
 * Imports one member as Web Crypto would for a JWS algorithm: the usages jose asks for are the
 * JWK's `key_ops` (else `verify`), and a public signing key may only be used to verify.
 */
function importMember(native: NativeSignatures, jwk: Readonly<Record<string, unknown>>): Entry {
  try {
    const ops = jwk['key_ops']
    if (Array.isArray(ops) && ops.some((op) => op !== 'verify')) {
      throw new DOMException('Unsupported key usage for a public signing key', 'SyntaxError')
    }
    return { jwk, key: native.importJwk(jwk) }
  } catch (error) {
    return { jwk, key: error instanceof Error ? error : new Error(String(error)) }
  }
}

/**
 * A JWK Set imported for the synchronous verifier: every member that some JWS algorithm could
 * select is imported now, once, and selected per token exactly as jose's `createLocalJWKSet`
 * does. A member that cannot be imported fails the tokens that select it alone (as jose's lazy
 * import does) and is skipped among several.
 * @param keys the usable members (see `usableVerificationKeys`), already copied
 */
export function nativeJwkSet(
  native: NativeSignatures,
  keys: readonly JWK[],
): (header: JWSHeaderParameters) => NativeKeyMatch {
  const entries: Entry[] = []
  for (const jwk of keys as readonly Readonly<Record<string, unknown>>[]) {
    const known = Object.values(KEY_TYPES).some(
      (type) => type.kty === jwk['kty'] && (type.crv === undefined || type.crv === jwk['crv']),
    )
    entries.push(known ? importMember(native, jwk) : { jwk, key: new Error('never selected') })
  }
  return (header) => {
    const { alg, kid } = header
    if (typeof alg !== 'string' || !Object.hasOwn(KEY_TYPES, alg)) {
      throw new errors.JOSENotSupported('Unsupported "alg" value for a JSON Web Key Set')
    }
    const candidates = entries.filter((entry) => usable(entry.jwk, alg, kid))
    if (candidates.length === 0) throw new errors.JWKSNoMatchingKey()
    if (candidates.length === 1) {
      const { key } = candidates[0] as Entry
      if (key instanceof Error) throw key
      return key
    }
    const several: NativeKey[] = []
    for (const { key } of candidates) if (!(key instanceof Error)) several.push(key)
    return several
  }
}
