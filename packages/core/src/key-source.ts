import {
  createLocalJWKSet,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose'
import { ConfigurationError } from './errors.js'
import { nativeJwkSet, type NativeKeyLookup } from './native-key-set.js'
import type { NativeSignatures } from './native-signatures.js'

/** A verification key as jose accepts it. */
export type VerificationKey = CryptoKey | Uint8Array

/**
 * Supplies the key that verifies a token. Implementations resolve keys only from their own
 * configuration: `jku`, `x5u`, `jwk` and `x5c` header parameters are never used (RFC 8725 §3.10).
 */
export interface KeySource {
  /** `asymmetric` sources verify RS/PS/ES/EdDSA; `symmetric` ones only HS algorithms. */
  readonly kind: 'asymmetric' | 'symmetric'
  /**
   * Returns the key for a token's protected header. Throws jose's `JWKSNoMatchingKey` when no
   * key matches, or a {@link TemporarilyUnavailableError} when keys cannot be obtained.
   */
  getKey(header: JWSHeaderParameters): Promise<VerificationKey>
  /**
   * The same keys imported for the runtime's synchronous verifier (see `native` of
   * `JwtVerifierConfig`): resolved synchronously when they are at hand, failing as `getKey` does.
   * Absent when the source was not given native primitives.
   * @internal
   */
  readonly nativeKeys?: NativeKeyLookup
  /** Loads keys ahead of the first request; rejects with a descriptive error when it cannot. */
  warmUp(): Promise<void>
}

/** Asymmetric algorithms accepted by default (RFC 9068 requires RS256). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** HMAC algorithms, accepted only with a configured secret. */
export const SYMMETRIC_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512']

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
const PUBLIC_KTY = new Set(['RSA', 'EC', 'OKP'])

/**
 * Keeps the keys of a JWK Set that may verify signatures: public RSA, EC and OKP keys. Keys with
 * private or symmetric members, unknown `kty`, or `use` other than `sig` are dropped (RFC 7517 §5:
 * skip what cannot be used rather than failing the whole set).
 * @returns undefined when the value is not a JWK Set at all.
 */
export function usableVerificationKeys(value: unknown): JSONWebKeySet | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const keys = (value as { keys?: unknown }).keys
  if (!Array.isArray(keys)) return undefined
  const usable: JWK[] = []
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) continue
    const jwk = key as JWK
    if (typeof jwk.kty !== 'string' || !PUBLIC_KTY.has(jwk.kty)) continue
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) continue
    if (jwk.use !== undefined && jwk.use !== 'sig') continue
    if (jwk.kid !== undefined && typeof jwk.kid !== 'string') continue
    usable.push(jwk)
  }
  return { keys: usable }
}

/**
 * A key source over a fixed JWK Set given in the configuration.
 * @param native imports the keys for the runtime's synchronous verifier too
 */
export function staticJwksSource(jwks: JSONWebKeySet, native?: NativeSignatures): KeySource {
  const usable = usableVerificationKeys(jwks)
  if (usable === undefined || usable.keys.length === 0) {
    throw new ConfigurationError(
      'jwks has no usable public signing keys (expected { keys: [...] } with RSA, EC or OKP public keys)',
    )
  }
  const set = createLocalJWKSet(usable)
  const nativeSet =
    native === undefined ? undefined : nativeJwkSet(native, structuredClone(usable.keys))
  return {
    kind: 'asymmetric',
    getKey: (header) => set(header) as Promise<VerificationKey>,
    ...(nativeSet === undefined ? {} : { nativeKeys: nativeSet }),
    warmUp: async () => {},
  }
}

const HMAC_HASH: Record<string, { hash: string; bytes: number }> = {
  HS256: { hash: 'SHA-256', bytes: 32 },
  HS384: { hash: 'SHA-384', bytes: 48 },
  HS512: { hash: 'SHA-512', bytes: 64 },
}

/**
 * A key source over a shared secret, for HS256/384/512 only. The secret must have at least as
 * many bytes as the hash of every allowed algorithm (RFC 8725 §3.5).
 * @param native imports the secret for the runtime's synchronous verifier too
 */
export function secretSource(
  secret: string | Uint8Array,
  algorithms: readonly string[],
  native?: NativeSignatures,
): KeySource {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret
  for (const alg of algorithms) {
    const spec = HMAC_HASH[alg]
    if (spec === undefined) {
      throw new ConfigurationError(
        `algorithm ${alg} cannot be verified with a secret; use HS256, HS384 or HS512`,
      )
    }
    if (bytes.byteLength < spec.bytes) {
      throw new ConfigurationError(
        `secret has ${bytes.byteLength} bytes; ${alg} needs at least ${spec.bytes} random bytes`,
      )
    }
  }
  const keys = new Map<string, Promise<CryptoKey>>()
  const keyFor = (alg: string): Promise<CryptoKey> => {
    let key = keys.get(alg)
    if (key === undefined) {
      const spec = HMAC_HASH[alg] as { hash: string }
      key = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: spec.hash }, false, [
        'verify',
      ])
      keys.set(alg, key)
    }
    return key
  }
  const nativeKey = native?.importSecret(bytes.slice())
  return {
    kind: 'symmetric',
    getKey: (header) => keyFor(header.alg as string),
    ...(nativeKey === undefined ? {} : { nativeKeys: () => nativeKey }),
    warmUp: async () => {
      await Promise.all(algorithms.map(keyFor))
    },
  }
}
