import { jwtVerify, type JWSHeaderParameters, type JWTPayload, type JWTVerifyOptions } from 'jose'
import { checkClaimTypes } from './claim-types.js'
import { InvalidTokenError, isOAuthError, type OAuthErrorReason } from './errors.js'
import type { KeySource, VerificationKey } from './key-source.js'
import type { Logger } from './logger.js'
import {
  checkClaimsSet,
  parseJws,
  presenceOrder,
  verifyJwsSignature,
  type ClaimsSetRules,
  type ParsedJws,
} from './compact-jws.js'
import type { NativeKeyLookup, NativeKeyMatch } from './native-key-set.js'
import type { NativeSignatures } from './native-signatures.js'
import { redactText } from './url-policy.js'

/**
 * A check of your own on verified claims. Return `true`/`undefined` to accept, `false` to reject
 * with a generic description, or a string to reject with that description (sent to the client:
 * keep it free of secrets). Throwing an {@link OAuthError} is also allowed.
 */
export type ClaimValidator = (
  claims: Readonly<Record<string, unknown>>,
  header: Readonly<JWSHeaderParameters>,
) => boolean | string | undefined | void | Promise<boolean | string | undefined | void>

/** Everything the JWT verifier needs, resolved and validated by the resource server. */
export interface JwtVerifierConfig {
  issuer: string
  audiences: readonly string[]
  algorithms: readonly string[]
  keys: KeySource
  /** Seconds. */
  clockTolerance: number
  /** Seconds; undefined for no limit. */
  maxTokenAge: number | undefined
  requiredClaims: readonly string[]
  /**
   * The RFC 9068 profile: accept only `typ: at+jwt` (§4) and only a string `scope` (§2.2.3).
   * Either way, registered claims of the wrong type are refused (see `checkClaimTypes`).
   */
  strictType: boolean
  validators: readonly ClaimValidator[]
  /** Milliseconds since the epoch. */
  now: () => number
  logger: Logger
  /**
   * The runtime's synchronous signature primitives (`node:crypto` on Node.js), used when the
   * key source imported its keys for them (`keys.nativeKeys`); else Web Crypto through jose.
   */
  native?: NativeSignatures
}

/** A verified JWT. */
export interface VerifiedJwt {
  protectedHeader: JWSHeaderParameters
  payload: JWTPayload
}

function invalid(
  description: string,
  reason: OAuthErrorReason,
  cause?: unknown,
): InvalidTokenError {
  return new InvalidTokenError(description, { reason, cause })
}

function isSymmetric(alg: unknown): boolean {
  return typeof alg === 'string' && alg.startsWith('HS')
}

/**
 * Applies a validator's verdict: `true` or `undefined` accepts; a string rejects with that
 * description; anything else (`false`, `null`, `0`, an object…) rejects with a generic one, so a
 * validator that returns something unexpected fails closed.
 */
export function applyVerdict(verdict: unknown): void {
  if (verdict === true || verdict === undefined) return
  if (typeof verdict === 'string' && verdict !== '') {
    throw invalid(verdict, 'claim_validator')
  }
  throw invalid('The access token failed a claim check', 'claim_validator')
}

/** `typ` compared as a media type (RFC 7515 §4.1.9): case-insensitive, `application/` optional. */
function normalizeType(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice(12) : lower
}

const CLAIM_REASONS: Record<string, [OAuthErrorReason, string]> = {
  iss: ['issuer_mismatch', 'The access token was not issued by an accepted issuer'],
  aud: ['audience_mismatch', 'The access token is not meant for this resource server'],
  nbf: ['not_yet_valid', 'The access token is not valid yet'],
  iat: ['issued_in_future', 'The access token was issued in the future'],
}

/** Translates jose's errors into client-safe `invalid_token` errors with a stable reason. */
function fromJose(error: unknown): InvalidTokenError {
  const { code, claim, reason, message } = error as {
    code?: string
    claim?: string
    reason?: string
    message?: string
  }
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return claim === 'iat'
        ? invalid('The access token is too old', 'too_old', error)
        : invalid('The access token expired', 'expired', error)
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      if (reason === 'missing') {
        return invalid(`The access token has no ${claim} claim`, 'missing_claim', error)
      }
      if (reason === 'invalid') {
        return invalid(
          `The ${claim} claim of the access token is malformed`,
          'invalid_claim',
          error,
        )
      }
      const known = claim === undefined ? undefined : CLAIM_REASONS[claim]
      if (known) return invalid(known[1], known[0], error)
      return invalid('The access token failed a claim check', 'invalid_claim', error)
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return invalid(
        'The access token is signed with an algorithm that is not accepted',
        'algorithm_not_allowed',
        error,
      )
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return invalid('No key of the issuer matches the access token', 'no_matching_key', error)
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return invalid('The access token signature is invalid', 'bad_signature', error)
    case 'ERR_JOSE_NOT_SUPPORTED':
      // jose reports an unrecognised `crit` member as `Extension Header Parameter "x" is not recognized`
      return message?.includes('crit') || message?.includes('Extension Header Parameter')
        ? invalid(
            'The access token uses an unsupported critical header parameter',
            'malformed_token',
            error,
          )
        : invalid('The access token uses an unsupported algorithm', 'algorithm_not_allowed', error)
    default:
      return invalid('The access token is malformed', 'malformed_token', error)
  }
}

type MaybePromise<T> = T | Promise<T>

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

/** Creates the function that verifies one JWT access token (RFC 9068 §4, RFC 8725). */
export function createJwtVerifier(
  config: JwtVerifierConfig,
): (token: string) => Promise<VerifiedJwt> {
  const verify = createTokenVerifier(config)
  return async (token) => verify(token)
}

/**
 * {@link createJwtVerifier}, answering synchronously where it can: with `config.native` and a
 * key source that imported its keys for it, a token whose keys are at hand and whose validators
 * are synchronous is verified without a promise. Otherwise (or elsewhere than on Node.js)
 * jose's `jwtVerify` checks it; both give the same answer for every token.
 * @internal
 */
export function createTokenVerifier(
  config: JwtVerifierConfig,
): (token: string) => MaybePromise<VerifiedJwt> {
  const options: JWTVerifyOptions = {
    algorithms: [...config.algorithms],
    issuer: config.issuer,
    audience: [...config.audiences],
    clockTolerance: config.clockTolerance,
    requiredClaims: [...config.requiredClaims],
    ...(config.maxTokenAge === undefined ? {} : { maxTokenAge: config.maxTokenAge }),
  }
  const { keys, strictType, validators, clockTolerance, logger } = config

  /** Header checks that run before any key lookup. */
  function checkHeader(header: JWSHeaderParameters): void {
    const typ = normalizeType(header.typ)
    const typed = typ === 'at+jwt'
    if (header.typ !== undefined && typ === undefined)
      throw invalid('The access token type is malformed', 'unsupported_token_type')
    if (strictType ? !typed : !(typed || typ === undefined || typ === 'jwt')) {
      throw invalid(
        'The token is not an access token (its typ header is not at+jwt)',
        'unsupported_token_type',
      )
    }
    if (header.kid !== undefined && typeof header.kid !== 'string') {
      throw invalid('The access token kid header is malformed', 'malformed_token')
    }
    // RFC 8725 §3.1: the key source's kind fixes the algorithm family, whatever list was given.
    if (isSymmetric(header.alg) !== (keys.kind === 'symmetric')) {
      throw invalid(
        'The access token is signed with an algorithm that is not accepted',
        'algorithm_not_allowed',
      )
    }
  }

  /** Header checks, then the key source resolves the key. */
  function resolveKey(header: JWSHeaderParameters): Promise<VerificationKey> {
    checkHeader(header)
    return keys.getKey(header)
  }

  /** Rethrows an error of verification as the client-safe error it stands for. */
  function fail(error: unknown): never {
    if (isOAuthError(error)) throw error
    const mapped = fromJose(error)
    if (!(error instanceof Error && 'code' in error)) {
      logger.warn(
        `unexpected error while verifying a token: ${redactText(String((error as Error)?.message ?? error))}`,
      )
    }
    throw mapped
  }

  /** Runs validators from `from` on; synchronously while they answer synchronously. */
  function validate(
    payload: JWTPayload,
    header: JWSHeaderParameters,
    from: number,
  ): MaybePromise<void> {
    for (let index = from; index < validators.length; index++) {
      const verdict = (validators[index] as ClaimValidator)(payload, header)
      if (isThenable(verdict)) {
        return Promise.resolve(verdict).then((awaited) => {
          applyVerdict(awaited)
          return validate(payload, header, index + 1)
        })
      }
      applyVerdict(verdict)
    }
  }

  /** The checks after jose's (or its twin's): claim types, `iat`, ID tokens, validators. */
  function finish(result: VerifiedJwt): MaybePromise<VerifiedJwt> {
    const { protectedHeader: header, payload } = result
    checkClaimTypes(payload, strictType)
    const now = config.now() / 1000
    if (typeof payload.iat === 'number' && payload.iat > now + clockTolerance) {
      throw invalid('The access token was issued in the future', 'issued_in_future')
    }
    if (normalizeType(header.typ) !== 'at+jwt' && ('nonce' in payload || 'at_hash' in payload)) {
      throw invalid('The token is an ID token, not an access token', 'unsupported_token_type')
    }
    const pending = validate(payload, header, 0)
    return pending === undefined ? result : pending.then(() => result)
  }

  async function verifyWithEachKey(token: string, error: unknown): Promise<VerifiedJwt> {
    // No kid and several candidate keys: jose hands them over one by one (an async iterator).
    for await (const key of error as AsyncIterable<VerificationKey>) {
      try {
        return await jwtVerify(token, key, { ...options, currentDate: new Date(config.now()) })
      } catch (inner) {
        if ((inner as { code?: string }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED')
          throw inner
      }
    }
    throw invalid('The access token signature is invalid', 'bad_signature')
  }

  async function verifyWithJose(token: string): Promise<VerifiedJwt> {
    let result: VerifiedJwt
    try {
      try {
        result = await jwtVerify(token, resolveKey, {
          ...options,
          currentDate: new Date(config.now()),
        })
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error
        result = await verifyWithEachKey(token, error)
      }
    } catch (error) {
      fail(error)
    }
    return finish(result)
  }

  const native = config.native
  const nativeKeys = keys.nativeKeys
  if (native === undefined || nativeKeys === undefined) return verifyWithJose

  const algorithms = new Set(config.algorithms)
  const rules: ClaimsSetRules = {
    issuer: config.issuer,
    audiences: [...config.audiences],
    presence: presenceOrder(config.requiredClaims, config.maxTokenAge),
    clockTolerance,
    maxTokenAge: config.maxTokenAge,
  }

  function complete(jws: ParsedJws, match: NativeKeyMatch): MaybePromise<VerifiedJwt> {
    let payload: JWTPayload
    try {
      const bytes = verifyJwsSignature(native as NativeSignatures, jws, match)
      payload = checkClaimsSet(native as NativeSignatures, bytes, rules, config.now())
    } catch (error) {
      fail(error)
    }
    return finish({ protectedHeader: jws.header, payload })
  }

  return function verifyNatively(token) {
    let jws: ParsedJws
    let match: MaybePromise<NativeKeyMatch>
    try {
      jws = parseJws(native, token, algorithms)
      checkHeader(jws.header)
      match = (nativeKeys as NativeKeyLookup)(jws.header)
    } catch (error) {
      fail(error)
    }
    if (isThenable(match)) {
      return (match as Promise<NativeKeyMatch>).then((keys) => complete(jws, keys), fail)
    }
    return complete(jws, match as NativeKeyMatch)
  }
}
