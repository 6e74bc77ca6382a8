import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose'
import { LRUCache } from 'lru-cache'
import { checkClaimsSet, parseJws, verifyJwsSignature } from './compact-jws.js'
import { InvalidDpopProofError } from './errors.js'
import { KEY_TYPES } from './native-key-set.js'
import type { NativeKey, NativeSignatures } from './native-signatures.js'
import { normalizeHtu } from './htu.js'
import { hashToken } from './token-hash.js'

/** Proof algorithms accepted by default: every asymmetric JWS algorithm (never `none` or HMAC). */
export const DPOP_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
]

/** How proofs are judged. */
export interface DpopProofRules {
  /** Accepted `alg` values, all asymmetric. */
  algorithms: readonly string[]
  /** Oldest accepted `iat`, in seconds before now. */
  maxAge: number
  /** Newest accepted `iat`, in seconds after now (clock skew). */
  clockTolerance: number
}

/** What the proof must match in the request. */
export interface ExpectedProof {
  /** The request method, compared case-sensitively with `htm`. */
  method: string
  /** The normalised target URI (see `requestHtu`), compared with the normalised `htu`. */
  htu: string
  /** The access token presented with the proof; `ath` must be its SHA-256. */
  accessToken: string
  /** Now, in seconds since the epoch. */
  now: number
}

/** A proof that passed every check that needs no state (RFC 9449 §4.3 checks 2–9, 11, 12a). */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key, compared with the token's `cnf.jkt`. */
  thumbprint: string
  /** The proof's public key. */
  jwk: JWK
  /** The proof's `alg`. */
  algorithm: string
  jti: string
  iat: number
  /** The normalised `htu`. */
  htu: string
  nonce: string | undefined
}

/** Longest proof accepted, in characters (an RSA-4096 key and generous claims fit easily). */
export const MAX_PROOF_LENGTH = 8192
const MAX_JTI_LENGTH = 256
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']

/** The members of a public JWK that define the key (RFC 7638 §3.2), in thumbprint order. */
const KEY_MEMBERS = ['crv', 'e', 'kty', 'n', 'x', 'y'] as const

/**
 * Imported proof keys and their thumbprints, by `alg` and key members: a client signs every proof
 * with the same key, and importing it and hashing it again each time costs more than the
 * signature check. Holds public keys only.
 */
const proofKeys = new LRUCache<string, Promise<{ key: CryptoKey; thumbprint: string }>>({
  max: 1000,
})

/** The same, imported for the runtime's synchronous verifier (successes only). */
const nativeProofKeys = new LRUCache<string, { key: NativeKey; thumbprint: string }>({
  max: 1000,
})

/** The key-defining members of a proof's `jwk` and the cache id for `alg`, after jose's checks. */
function proofMembers(jwk: JWK, alg: string): { members: Record<string, unknown>; id: string } {
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw invalid('The jwk header of the DPoP proof must be a signing key')
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw invalid('The jwk header of the DPoP proof is for another algorithm')
  }
  const members: Record<string, unknown> = {}
  for (const name of KEY_MEMBERS) {
    const value = (jwk as Record<string, unknown>)[name]
    if (value !== undefined) {
      if (typeof value !== 'string') throw invalid('The jwk header of the DPoP proof is malformed')
      members[name] = value
    }
  }
  return { members, id: `${alg} ${JSON.stringify(members)}` }
}

/** The proof key for `alg` (cached), like jose's `EmbeddedJWK`: `use` and `alg` must agree. */
async function proofKey(jwk: JWK, alg: string): Promise<{ key: CryptoKey; thumbprint: string }> {
  const { members, id } = proofMembers(jwk, alg)
  let entry = proofKeys.get(id)
  if (entry === undefined) {
    entry = (async () => {
      const key = (await importJWK(members as JWK, alg)) as CryptoKey
      if (key.type !== 'public') throw new TypeError('not a public key')
      return { key, thumbprint: await calculateJwkThumbprint(members as JWK, 'sha256') }
    })()
    proofKeys.set(id, entry)
    // A key that cannot be imported is not remembered.
    entry.catch(() => proofKeys.delete(id))
  }
  try {
    return await entry
  } catch (cause) {
    throw invalid('The DPoP proof signature or key is invalid', cause)
  }
}

const NON_ASCII = /[^\x00-\x7f]/

/** The RFC 7638 input jose's `calculateJwkThumbprint` hashes: the required members, in order. */
function thumbprintInput(members: Record<string, unknown>): string {
  const nonEmpty = (name: string): string => {
    const value = members[name]
    if (typeof value !== 'string' || !value) throw new TypeError(`${name} missing or invalid`)
    return value
  }
  const { kty } = members
  const required =
    kty === 'EC'
      ? { crv: nonEmpty('crv'), kty, x: nonEmpty('x'), y: nonEmpty('y') }
      : kty === 'OKP'
        ? { crv: nonEmpty('crv'), kty, x: nonEmpty('x') }
        : kty === 'RSA'
          ? { e: nonEmpty('e'), kty, n: nonEmpty('n') }
          : undefined
  if (required === undefined) throw new TypeError('unsupported kty')
  const text = JSON.stringify(required)
  if (NON_ASCII.test(text)) throw new TypeError('non-ASCII string encountered in encode()')
  return text
}

/**
 * {@link proofKey} for the synchronous verifier: imported with `node:crypto` once per key, the
 * same keys refused (a key Web Crypto's import for `alg` refuses, or whose thumbprint jose
 * cannot compute).
 */
function nativeProofKey(
  native: NativeSignatures,
  jwk: JWK,
  alg: string,
): { key: NativeKey; thumbprint: string } {
  const { members, id } = proofMembers(jwk, alg)
  let entry = nativeProofKeys.get(id)
  if (entry === undefined) {
    try {
      const type = Object.hasOwn(KEY_TYPES, alg) ? KEY_TYPES[alg] : undefined
      if (
        type === undefined ||
        members['kty'] !== type.kty ||
        (type.crv !== undefined && members['crv'] !== type.crv)
      ) {
        throw new TypeError(`the jwk is not a key for ${alg}`)
      }
      const key = native.importJwk(members)
      entry = { key, thumbprint: native.sha256(thumbprintInput(members)) }
    } catch (cause) {
      throw invalid('The DPoP proof signature or key is invalid', cause)
    }
    nativeProofKeys.set(id, entry)
  }
  return entry
}

/** Sets of accepted algorithms, per rules object. */
const algorithmSets = new WeakMap<DpopProofRules, ReadonlySet<string>>()

/**
 * The checks of jose's `jwtVerify` on a proof (signature, JSON claims, `typ` — already known to
 * be dpop+jwt —, `iat`/`nbf`/`exp` types and times) with the synchronous primitives.
 */
function verifyNatively(
  native: NativeSignatures,
  proof: string,
  key: NativeKey,
  nowSeconds: number,
  rules: DpopProofRules,
): JWTPayload {
  let algorithms = algorithmSets.get(rules)
  if (algorithms === undefined) {
    algorithms = new Set(rules.algorithms)
    algorithmSets.set(rules, algorithms)
  }
  const jws = parseJws(native, proof, algorithms)
  const bytes = verifyJwsSignature(native, jws, key)
  return checkClaimsSet(
    native,
    bytes,
    { presence: [], clockTolerance: rules.clockTolerance, maxTokenAge: undefined },
    nowSeconds * 1000,
  )
}

function invalid(description: string, cause?: unknown): InvalidDpopProofError {
  return new InvalidDpopProofError(description, cause === undefined ? {} : { cause })
}

/** RFC 9449 §4.2 `typ`, compared case-insensitively, with the optional `application/` prefix. */
function isDpopType(typ: unknown): boolean {
  if (typeof typ !== 'string') return false
  const lower = typ.toLowerCase()
  return lower === 'dpop+jwt' || lower === 'application/dpop+jwt'
}

function checkHeader(header: Record<string, unknown>, rules: DpopProofRules): JWK {
  if (!isDpopType(header['typ'])) throw invalid('The DPoP proof must have typ dpop+jwt')
  const alg = header['alg']
  if (typeof alg !== 'string' || !rules.algorithms.includes(alg)) {
    throw invalid(
      `The DPoP proof must be signed with one of ${rules.algorithms.join(', ')}; got ${typeof alg === 'string' ? alg : 'no alg'}`,
    )
  }
  if (header['crit'] !== undefined) throw invalid('The DPoP proof must not have a crit header')
  const jwk = header['jwk']
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalid('The DPoP proof must carry its public key in the jwk header')
  }
  const members = jwk as Record<string, unknown>
  if (members['kty'] === 'oct' || PRIVATE_MEMBERS.some((name) => members[name] !== undefined)) {
    throw invalid('The jwk header of the DPoP proof must be a public key')
  }
  return jwk as JWK
}

function stringClaim(payload: JWTPayload, name: string, maxLength = 8192): string {
  const value = payload[name]
  if (typeof value !== 'string' || value === '' || value.length > maxLength) {
    throw invalid(`The DPoP proof must have a ${name} claim`)
  }
  return value
}

/**
 * Verifies a DPoP proof JWT against a request (RFC 9449 §4.3): one compact JWS, `typ`
 * `dpop+jwt`, an allowed asymmetric `alg` matching its embedded public `jwk`, a valid signature,
 * `jti`/`htm`/`htu`/`iat`/`ath` present, `htm` equal to the method, `htu` equal to the target URI
 * after normalisation, `iat` within the window and `ath` the hash of the access token.
 *
 * Not checked here (they need state or the token's claims): the nonce, replay of `jti` and the
 * token's `cnf.jkt` binding.
 * @param native synchronous signature primitives (`node:crypto`) to use instead of Web Crypto;
 *   the answer is the same
 * @throws InvalidDpopProofError (401 `invalid_dpop_proof`)
 */
export async function verifyDpopProof(
  proof: string,
  expected: ExpectedProof,
  rules: DpopProofRules,
  native?: NativeSignatures,
): Promise<VerifiedDpopProof> {
  if (proof.length > MAX_PROOF_LENGTH) throw invalid('The DPoP proof is too long')
  if (!COMPACT_JWS.test(proof)) throw invalid('The DPoP proof is not a compact JWS')
  let header: Record<string, unknown>
  try {
    header = decodeProtectedHeader(proof) as Record<string, unknown>
  } catch (cause) {
    throw invalid('The DPoP proof header is malformed', cause)
  }
  const jwk = checkHeader(header, rules)
  const alg = header['alg'] as string
  let thumbprint: string
  let payload: JWTPayload
  if (native !== undefined) {
    const imported = nativeProofKey(native, jwk, alg)
    thumbprint = imported.thumbprint
    try {
      payload = verifyNatively(native, proof, imported.key, expected.now, rules)
    } catch (cause) {
      throw invalid('The DPoP proof signature or key is invalid', cause)
    }
  } else {
    const imported = await proofKey(jwk, alg)
    thumbprint = imported.thumbprint
    try {
      ;({ payload } = await jwtVerify(proof, imported.key, {
        algorithms: [...rules.algorithms],
        typ: 'dpop+jwt',
        currentDate: new Date(expected.now * 1000),
        clockTolerance: rules.clockTolerance,
      }))
    } catch (cause) {
      throw invalid('The DPoP proof signature or key is invalid', cause)
    }
  }
  const jti = stringClaim(payload, 'jti', MAX_JTI_LENGTH)
  const htm = stringClaim(payload, 'htm')
  const htu = stringClaim(payload, 'htu')
  const iat = payload.iat
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw invalid('The DPoP proof must have an iat claim')
  }
  const ath = stringClaim(payload, 'ath')
  const nonce = payload['nonce']
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce === '')) {
    throw invalid('The nonce claim of the DPoP proof is malformed')
  }
  if (htm !== expected.method) throw invalid('The DPoP proof is for another HTTP method')
  const normalizedHtu = normalizeHtu(htu)
  if (normalizedHtu === undefined || normalizedHtu !== expected.htu) {
    throw invalid('The DPoP proof is for another URL')
  }
  if (iat > expected.now + rules.clockTolerance) {
    throw invalid('The DPoP proof is issued in the future')
  }
  if (iat < expected.now - rules.maxAge) throw invalid('The DPoP proof is too old')
  const tokenHash =
    native === undefined
      ? await hashToken(expected.accessToken)
      : native.sha256(expected.accessToken)
  if (ath !== tokenHash) {
    throw invalid('The DPoP proof is for another access token')
  }
  return {
    thumbprint,
    jwk,
    algorithm: header['alg'] as string,
    jti,
    iat,
    htu: normalizedHtu,
    nonce,
  }
}
