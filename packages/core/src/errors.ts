import {
  CHALLENGE_SCHEMES,
  formatChallenge,
  type ChallengeParams,
  type ChallengeSchemes,
} from './challenge.js'

/**
 * Stable codes of every error scopeguard raises for a request. Apart from `missing_token` they are
 * registered OAuth error codes (RFC 6750, RFC 9470, RFC 9449) and appear as `error=` in the
 * `WWW-Authenticate` challenge; `missing_token` is sent without an `error` parameter (RFC 6750
 * §3.1); `temporarily_unavailable` is a 503 that is never the client's fault.
 */
export type OAuthErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'temporarily_unavailable'

/**
 * Why a token was rejected, in more detail than the RFC code. Meant for logs and metrics; clients
 * see only the code and the description.
 */
export type OAuthErrorReason =
  | 'no_token'
  | 'unsupported_scheme'
  | 'malformed_header'
  | 'bad_origin'
  | 'multiple_methods'
  | 'token_too_long'
  | 'malformed_token'
  | 'unsupported_token_type'
  | 'algorithm_not_allowed'
  | 'no_matching_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'too_old'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'missing_claim'
  | 'invalid_claim'
  | 'claim_validator'
  | 'missing_scope'
  | 'claim_requirement'
  | 'key_source_unavailable'
  | 'introspection_unavailable'
  | 'store_unavailable'
  | 'inactive'
  | 'revoked'
  | 'client_not_allowed'
  | 'invalid_dpop_proof'
  | 'dpop_replay'
  | 'dpop_nonce'
  | 'dpop_binding'
  | 'bearer_downgrade'
  | 'authentication_too_weak'
  | 'authentication_too_old'
  | 'delegation'
  | 'certificate_binding'
  | 'unsupported_binding'
  | 'unbound_token'

const BRAND = Symbol.for('scopeguard.error')
/** The realm used when the resource server sets none (a Bearer challenge needs one parameter). */
export const DEFAULT_REALM = 'api'
const STATUS: Record<OAuthErrorCode, number> = {
  missing_token: 401,
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  insufficient_user_authentication: 401,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  temporarily_unavailable: 503,
}

/** Options shared by every {@link OAuthError} constructor. */
export interface OAuthErrorOptions {
  /** Detail for logs and metrics. */
  reason?: OAuthErrorReason
  /** The underlying error, kept for logging; never rendered into a response. */
  cause?: unknown
  /**
   * Challenge parameters such as the resource server's `realm` and `resource_metadata`; those the
   * error sets itself (`scope`, `acr_values`, `max_age`) follow them and win.
   */
  challenge?: ChallengeParams
  /**
   * Response headers besides `Cache-Control` and `WWW-Authenticate` (which the error sets), such
   * as `DPoP-Nonce`.
   */
  headers?: Readonly<Record<string, string>>
}

/**
 * Base class of every error a request can produce. It carries what each framework needs to render
 * it without glue code: `status`/`statusCode`, `headers` (with `WWW-Authenticate` when the status
 * calls for a challenge), `expose` and a stable `code`. The description is safe to send to
 * clients: it never contains the token, key material or internal exception text.
 */
export class OAuthError extends Error {
  /** Stable code; also the `error` member of the JSON body. */
  readonly code: OAuthErrorCode
  /** HTTP status: 400, 401, 403 or 503. */
  readonly status: number
  /** Alias of {@link OAuthError.status} for frameworks that read `statusCode`. */
  readonly statusCode: number
  /** Client-safe description, also sent as `error_description`. */
  readonly description: string
  /** Detail for logs and metrics. */
  readonly reason: OAuthErrorReason | undefined
  /** Parameters of the `WWW-Authenticate` challenge besides `error` and `error_description`. */
  readonly challengeParams: Readonly<ChallengeParams>
  /** Always true: the message is meant for the client (Koa and http-errors read this). */
  readonly expose = true
  /**
   * Response headers: `WWW-Authenticate` (except on a 503), `Cache-Control: no-store` and those
   * of `options.headers`. Rendered once, when the error is created (frozen).
   */
  readonly headers: Readonly<Record<string, string>>

  constructor(code: OAuthErrorCode, description: string, options: OAuthErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.status = STATUS[code]
    this.statusCode = this.status
    this.description = description
    this.reason = options.reason
    this.challengeParams = Object.freeze({ ...options.challenge })
    Object.defineProperty(this, BRAND, { value: true })
    this.headers = renderHeaders(this, options.headers)
  }

  /** The JSON body every adapter sends: `{ error, error_description }`. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description }
  }

  /**
   * The `WWW-Authenticate` value for this error, or undefined for a 503: a `Bearer` challenge, and
   * a `DPoP` challenge with `algs` when the resource server accepts DPoP (RFC 9449 §7.1). The error
   * goes on the challenge of the scheme the request used (§7.2); `realm` and `resource_metadata`
   * on both.
   */
  challenge(): string | undefined {
    if (this.status === 503) return undefined
    const {
      realm = DEFAULT_REALM,
      [CHALLENGE_SCHEMES]: schemes,
      ...rest
    } = this.challengeParams as ChallengeParams & { [CHALLENGE_SCHEMES]?: ChallengeSchemes }
    const errorParams: ChallengeParams =
      this.code === 'missing_token' ? {} : { error: this.code, error_description: this.description }
    const bearer = schemes?.bearer ?? true
    const algs = schemes?.dpopAlgs
    if (algs === undefined) return formatChallenge('Bearer', { realm, ...errorParams, ...rest })
    const dpopError = this.code === 'invalid_dpop_proof' || this.code === 'use_dpop_nonce'
    const errorOn = !bearer || dpopError ? 'DPoP' : (schemes?.used ?? 'Bearer')
    const both = schemes?.used === undefined && this.code === 'invalid_request'
    const shared: ChallengeParams =
      rest['resource_metadata'] === undefined
        ? {}
        : { resource_metadata: rest['resource_metadata'] }
    const challenges: string[] = []
    if (bearer) {
      challenges.push(
        formatChallenge(
          'Bearer',
          errorOn === 'Bearer' || both ? { realm, ...errorParams, ...rest } : { realm, ...shared },
        ),
      )
    }
    const { resource_metadata: _metadata, ...specific } = rest
    challenges.push(
      formatChallenge(
        'DPoP',
        errorOn === 'DPoP' || both
          ? { realm, ...errorParams, ...specific, algs, ...shared }
          : { realm, algs, ...shared },
      ),
    )
    return challenges.join(', ')
  }

  /**
   * This error with more challenge parameters (the resource server's `realm`, `resource_metadata`
   * and schemes), under those the error set itself: a new error of the same class, with its
   * headers rendered once. This error is left unchanged.
   */
  withChallenge(params: Readonly<ChallengeParams>): this {
    const { 'Cache-Control': _cache, 'WWW-Authenticate': _challenge, ...headers } = this.headers
    const options: OAuthErrorOptions = {
      reason: this.reason,
      challenge: { ...params, ...this.challengeParams },
      headers,
      ...('cause' in this ? { cause: this.cause } : {}),
    }
    // A real error of this class, built by the base constructor (which renders its headers);
    // its stack is where the copy was made, its cause the same.
    const copy = Reflect.construct(
      OAuthError,
      [this.code, this.description, options],
      this.constructor,
    ) as this
    const fields = copy as unknown as Record<string, unknown>
    for (const [key, value] of Object.entries(this)) if (!(key in copy)) fields[key] = value
    return copy
  }
}

/** The one rendering of an error's response headers, done when an error value is created. */
function renderHeaders(
  error: OAuthError,
  extra: Readonly<Record<string, string>> = {},
): Readonly<Record<string, string>> {
  const challenge = error.challenge()
  return Object.freeze({
    'Cache-Control': 'no-store',
    ...(challenge === undefined ? {} : { 'WWW-Authenticate': challenge }),
    ...extra,
  })
}

/** 401 without an error code: the request carried no token this server accepts (RFC 6750 §3.1). */
export class MissingTokenError extends OAuthError {
  constructor(description = 'No access token was provided', options: OAuthErrorOptions = {}) {
    super('missing_token', description, { reason: 'no_token', ...options })
  }
}

/** 400 `invalid_request`: a malformed request, or a token sent in more than one way. */
export class InvalidRequestError extends OAuthError {
  constructor(description: string, options: OAuthErrorOptions = {}) {
    super('invalid_request', description, options)
  }
}

/** 401 `invalid_token`: the token is malformed, expired, or not valid for this server. */
export class InvalidTokenError extends OAuthError {
  constructor(description = 'The access token is invalid', options: OAuthErrorOptions = {}) {
    super('invalid_token', description, options)
  }
}

/**
 * 403 `insufficient_scope`: the token is valid but does not allow this request. When scopes were
 * required, the challenge lists them in `scope`.
 */
export class InsufficientScopeError extends OAuthError {
  /** The scopes the route required, as sent in the challenge's `scope` parameter. */
  readonly requiredScopes: readonly string[]

  constructor(
    requiredScopes: readonly string[] = [],
    description = 'The access token does not grant the scope this request requires',
    options: OAuthErrorOptions = {},
  ) {
    const challenge = requiredScopes.length > 0 ? { scope: requiredScopes.join(' ') } : {}
    super('insufficient_scope', description, {
      reason: requiredScopes.length > 0 ? 'missing_scope' : 'claim_requirement',
      ...options,
      challenge: { ...options.challenge, ...challenge },
    })
    this.requiredScopes = requiredScopes
  }
}

/**
 * 401 `insufficient_user_authentication` (RFC 9470): the token is valid, but the user's
 * authentication is too weak (`acr`) or too old (`auth_time`) for this request. The challenge
 * carries `acr_values` and/or `max_age` so the client can ask for a stronger or fresher login.
 */
export class InsufficientUserAuthenticationError extends OAuthError {
  /** The acceptable `acr` values, as sent in `acr_values`. */
  readonly acrValues: readonly string[]
  /** The maximum authentication age in seconds, as sent in `max_age`. */
  readonly maxAge: number | undefined

  constructor(
    acrValues: readonly string[],
    maxAge: number | undefined,
    description: string,
    options: OAuthErrorOptions = {},
  ) {
    super('insufficient_user_authentication', description, {
      ...options,
      challenge: {
        ...options.challenge,
        ...(acrValues.length > 0 ? { acr_values: acrValues.join(' ') } : {}),
        ...(maxAge === undefined ? {} : { max_age: String(maxAge) }),
      },
    })
    this.acrValues = acrValues
    this.maxAge = maxAge
  }
}

/** 401 `invalid_dpop_proof` (RFC 9449 §7.1): the DPoP proof is missing, malformed or fails a check. */
export class InvalidDpopProofError extends OAuthError {
  constructor(description = 'The DPoP proof is invalid', options: OAuthErrorOptions = {}) {
    super('invalid_dpop_proof', description, { reason: 'invalid_dpop_proof', ...options })
  }
}

/**
 * 401 `use_dpop_nonce` (RFC 9449 §9): the proof must carry the server's current nonce, sent in the
 * `DPoP-Nonce` response header.
 */
export class UseDpopNonceError extends OAuthError {
  /** The nonce the client must put in its next proof. */
  readonly nonce: string

  constructor(
    nonce: string,
    description = 'The DPoP proof must carry the nonce from the DPoP-Nonce header',
    options: OAuthErrorOptions = {},
  ) {
    super('use_dpop_nonce', description, {
      reason: 'dpop_nonce',
      ...options,
      headers: { ...options.headers, 'DPoP-Nonce': nonce },
    })
    this.nonce = nonce
  }
}

/**
 * 503: a dependency the server needs to judge the token (the JWKS or metadata endpoint) failed and
 * nothing usable is cached. Not the client's fault, so never a 401; the cause is kept for logs only.
 */
export class TemporarilyUnavailableError extends OAuthError {
  constructor(
    description = 'The server cannot verify access tokens right now; try again later',
    options: OAuthErrorOptions = {},
  ) {
    super('temporarily_unavailable', description, { reason: 'key_source_unavailable', ...options })
  }
}

/**
 * True for any error raised by scopeguard for a request, even across duplicate copies of the
 * package (it checks a `Symbol.for` brand, not `instanceof`).
 */
export function isOAuthError(value: unknown): value is OAuthError {
  return typeof value === 'object' && value !== null && BRAND in value
}

/** Thrown at construction when options are wrong; the message says what to change. */
export class ConfigurationError extends TypeError {
  /** Always `'ERR_SCOPEGUARD_CONFIG'`. */
  readonly code = 'ERR_SCOPEGUARD_CONFIG'

  constructor(message: string, options?: { cause?: unknown }) {
    super(`scopeguard: ${message}`, options)
    this.name = 'ConfigurationError'
  }
}
