import { errors, type JWSHeaderParameters, type JWTPayload } from 'jose'
import { KEY_TYPES, type NativeKeyMatch } from './native-key-set.js'
import type { NativeKey, NativeSignatures } from './native-signatures.js'

// The synchronous twin of jose's `jwtVerify` (compact serialization, key function): the same
// checks in the same order, failing with the same jose error classes, so that both paths give
// the same answer for every token. Only the signature primitive differs.

/** A compact JWS whose header passed jose's checks, before its key is known. */
export interface ParsedJws {
  readonly header: JWSHeaderParameters
  readonly alg: string
  /** Whether the payload is base64url-encoded (false only with `crit: ["b64"], b64: false`). */
  readonly b64: boolean
  readonly token: string
  /** The index of the second `.`. */
  readonly end: number
}

const RECOGNIZED_CRIT = new Set(['b64'])

/** Objects as jose's `isObject` sees JSON values: not null, not an array. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** jose's `validateCrit` + `validateB64` for a compact JWS (no unprotected header). */
function checkCrit(header: Record<string, unknown>): boolean {
  const { crit } = header
  if (crit === undefined) return true
  if (
    !Array.isArray(crit) ||
    crit.length === 0 ||
    crit.some((input) => typeof input !== 'string' || input.length === 0)
  ) {
    throw new errors.JWSInvalid(
      '"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present',
    )
  }
  for (const parameter of crit as string[]) {
    if (!RECOGNIZED_CRIT.has(parameter)) {
      throw new errors.JOSENotSupported(
        `Extension Header Parameter "${parameter}" is not recognized`,
      )
    }
    if (!Object.hasOwn(header, parameter) || header[parameter] === undefined) {
      throw new errors.JWSInvalid(`Extension Header Parameter "${parameter}" is missing`)
    }
  }
  if (!crit.includes('b64')) return true
  if (typeof header['b64'] !== 'boolean') {
    throw new errors.JWSInvalid(
      'The "b64" (base64url-encode payload) Header Parameter must be a boolean',
    )
  }
  return header['b64']
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * Splits and checks a compact JWS up to the key lookup: three segments, a JSON object header,
 * `crit`/`b64`, an `alg` among `algorithms`.
 */
export function parseJws(
  native: NativeSignatures,
  token: string,
  algorithms: ReadonlySet<string>,
): ParsedJws {
  const first = token.indexOf('.')
  const end = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (end === -1 || token.indexOf('.', end + 1) !== -1) {
    throw new errors.JWSInvalid('Invalid Compact JWS')
  }
  let header: unknown
  try {
    header = JSON.parse(native.utf8(native.base64url(token.slice(0, first))))
  } catch (cause) {
    throw new errors.JWSInvalid('JWS Protected Header is invalid', { cause })
  }
  if (!isJsonObject(header)) throw new errors.JWSInvalid('JWS Protected Header is invalid')
  const b64 = checkCrit(header)
  const { alg } = header
  if (typeof alg !== 'string' || !alg) {
    throw new errors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid')
  }
  if (!algorithms.has(alg)) {
    throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed')
  }
  if (!b64 && NON_ASCII.test(token.slice(first + 1, end))) {
    throw new errors.JWSInvalid('JWS Compact Serialization payload must use only ASCII characters')
  }
  return { header: header as JWSHeaderParameters, alg, b64, token, end }
}

const MIN_RSA_BITS = 2048

/** Whether `key` verifies the signature; throws what jose throws before its `subtle.verify`. */
function check(
  native: NativeSignatures,
  jws: ParsedJws,
  key: NativeKey,
  input: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (KEY_TYPES[jws.alg]?.kty === 'RSA' && (key.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new TypeError(`${jws.alg} requires key modulusLength to be 2048 bits or larger`)
  }
  return native.verify(jws.alg, key, input, signature)
}

/**
 * Checks the signature with the selected key (or each of several in turn, as jose's iterator is
 * used) and decodes the payload.
 * @returns the payload bytes
 */
export function verifyJwsSignature(
  native: NativeSignatures,
  jws: ParsedJws,
  match: NativeKeyMatch,
): Uint8Array {
  const { token, end } = jws
  const keys: readonly (NativeKey | Error)[] = Array.isArray(match) ? match : [match]
  const segment = token.slice(token.indexOf('.') + 1, end)
  // Decoded now, but a failure is reported where jose reports it: after the signature check.
  let payload: Uint8Array | undefined
  let payloadError: unknown
  if (jws.b64) {
    try {
      payload = native.base64url(segment)
    } catch (cause) {
      payloadError = cause
    }
  }
  let input: Uint8Array | undefined
  let signature: Uint8Array | undefined
  let verified = false
  for (const key of keys) {
    // jose's key iterator fails before the JWS is looked at again.
    if (key instanceof Error) throw key
    if (input === undefined || signature === undefined) {
      // A payload that decoded is ASCII (base64url and whitespace only).
      if (jws.b64 && payload === undefined && NON_ASCII.test(segment)) {
        throw new errors.JWSInvalid('The payload is not a valid base64url string')
      }
      input = native.ascii(token.slice(0, end))
      try {
        signature = native.base64url(token.slice(end + 1))
      } catch (cause) {
        throw new errors.JWSInvalid('Failed to base64url decode the signature', { cause })
      }
    }
    if (check(native, jws, key, input, signature)) {
      verified = true
      break
    }
  }
  if (!verified) throw new errors.JWSSignatureVerificationFailed()
  if (!jws.b64) throw new errors.JWTInvalid('JWTs MUST NOT use unencoded payload')
  if (payload === undefined) {
    throw new errors.JWSInvalid('Failed to base64url decode the payload', { cause: payloadError })
  }
  return payload
}

/** The claim checks of jose's `jwtVerify`, with the options the JWT verifier gives it. */
export interface ClaimsSetRules {
  /** The accepted `iss`; undefined to accept any (jose's `issuer` option not given). */
  issuer?: string
  /** The accepted audiences; undefined to accept any (jose's `audience` option not given). */
  audiences?: readonly string[]
  /** The claims that must be present, in the order jose checks them. */
  presence: readonly string[]
  /** Seconds. */
  clockTolerance: number
  /** Seconds; undefined for no limit. */
  maxTokenAge: number | undefined
}

/** The order in which jose's `validateClaimsSet` reports missing claims. */
export function presenceOrder(
  requiredClaims: readonly string[],
  maxTokenAge: number | undefined,
): string[] {
  const check = [...requiredClaims]
  if (maxTokenAge !== undefined) check.push('iat')
  check.push('aud', 'iss')
  return [...new Set(check.reverse())]
}

function numericDate(claims: JWTPayload, claim: string, required = false): number | undefined {
  const value = claims[claim]
  if (value === undefined && !required) return undefined
  if (typeof value !== 'number') {
    throw new errors.JWTClaimValidationFailed(
      `"${claim}" claim must be a number`,
      claims,
      claim,
      'invalid',
    )
  }
  return value
}

function failed(claims: JWTPayload, claim: string, message: string): never {
  throw new errors.JWTClaimValidationFailed(message, claims, claim, 'check_failed')
}

/**
 * Parses and checks the claims set as jose's `validateClaimsSet` does: JSON object, presence,
 * `iss`, `aud`, `nbf`, `exp`, token age.
 * @param nowMs the current time in milliseconds
 */
export function checkClaimsSet(
  native: NativeSignatures,
  bytes: Uint8Array,
  rules: ClaimsSetRules,
  nowMs: number,
): JWTPayload {
  let claims: unknown
  try {
    claims = JSON.parse(native.utf8(bytes))
  } catch (cause) {
    throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object', { cause })
  }
  if (!isJsonObject(claims)) {
    throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object')
  }
  const payload = claims as JWTPayload
  for (const claim of rules.presence) {
    if (!Object.hasOwn(payload, claim)) {
      throw new errors.JWTClaimValidationFailed(
        `missing required "${claim}" claim`,
        payload,
        claim,
        'missing',
      )
    }
  }
  const { issuer, audiences } = rules
  if (issuer !== undefined && payload.iss !== issuer) {
    failed(payload, 'iss', 'unexpected "iss" claim value')
  }
  const { aud } = payload
  if (
    audiences !== undefined &&
    !(typeof aud === 'string'
      ? audiences.includes(aud)
      : Array.isArray(aud) && audiences.some((accepted) => aud.includes(accepted)))
  ) {
    failed(payload, 'aud', 'unexpected "aud" claim value')
  }
  const tolerance = rules.clockTolerance
  const now = Math.floor(new Date(nowMs).getTime() / 1000)
  if (!Number.isFinite(now)) throw new TypeError('Invalid currentDate option input')
  const iat = numericDate(payload, 'iat', rules.maxTokenAge !== undefined)
  const nbf = numericDate(payload, 'nbf')
  if (nbf !== undefined && nbf > now + tolerance) {
    failed(payload, 'nbf', '"nbf" claim timestamp check failed')
  }
  const exp = numericDate(payload, 'exp')
  if (exp !== undefined && exp <= now - tolerance) {
    throw new errors.JWTExpired(
      '"exp" claim timestamp check failed',
      payload,
      'exp',
      'check_failed',
    )
  }
  if (rules.maxTokenAge !== undefined) {
    const age = now - (iat as number)
    if (age - tolerance > rules.maxTokenAge) {
      throw new errors.JWTExpired(
        '"iat" claim timestamp check failed (too far in the past)',
        payload,
        'iat',
        'check_failed',
      )
    }
    if (age < -tolerance) {
      failed(payload, 'iat', '"iat" claim timestamp check failed (it should be in the past)')
    }
  }
  return payload
}
