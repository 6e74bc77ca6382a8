import type { JSONWebKeySet } from 'jose'
import { ConfigurationError } from './errors.js'
import type { ExtractionOptions } from './extract.js'
import type { FetchLike } from './internal/fetch-json.js'
import type { ClaimValidator } from './jwt-verify.js'
import { ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS } from './key-source.js'
import type { Logger } from './logger.js'
import type { RemoteJwksTiming } from './remote-jwks.js'
import type { ScopeOptions } from './scopes.js'
import { insecureUrlProblem } from './url-policy.js'

/**
 * Options of {@link createResourceServer}. Keys come from exactly one of `jwksUri`, `jwks` or
 * `secret`; with none of them, the JWKS URI is discovered from the issuer's metadata.
 */
export interface ResourceServerOptions {
  /** The issuer identifier, compared exactly with each token's `iss` (no normalisation). */
  issuer: string
  /** This API's identifier(s); a token's `aud` must contain one of them. */
  audience: string | readonly string[]
  /** The issuer's JWKS URL. Without it (and without `jwks`/`secret`), it is discovered. */
  jwksUri?: string
  /** A fixed JWK Set of public keys. */
  jwks?: JSONWebKeySet
  /** A shared secret for HS256/384/512 tokens (at least the hash size in bytes). */
  secret?: string | Uint8Array
  /** Fetch metadata from this URL instead of the issuer's well-known locations. */
  metadataUrl?: string
  /**
   * Accepted signing algorithms. `none` is never accepted; HS algorithms only with `secret`.
   * @default all of RS, PS, ES (256/384/512) and EdDSA; or ['HS256'] with `secret`
   */
  algorithms?: readonly string[]
  /**
   * Accept only tokens typed `at+jwt` (RFC 9068 §4) and require all RFC 9068 claims (`iss`,
   * `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`). By default untyped tokens (`typ` absent or
   * `JWT`, as most issuers still send) are accepted too, and ID-token-shaped JWTs are refused.
   * @default false
   */
  strict?: boolean
  /** Clock skew allowed for `exp`, `nbf` and `iat`, in seconds. @default 5 */
  clockTolerance?: number
  /** Reject tokens whose `iat` is older than this many seconds. */
  maxTokenAge?: number
  /** Claims that must be present, in addition to `iss`, `aud` and `exp`. */
  requiredClaims?: readonly string[]
  /** Checks of your own on verified claims, run in order. */
  validators?: readonly ClaimValidator[]
  /** Where scopes are read from, and which scopes imply others. */
  scopes?: ScopeOptions
  /** Token locations besides the Authorization header, and the length limit. */
  extraction?: ExtractionOptions
  /** The `realm` of `WWW-Authenticate` challenges. @default 'api' */
  realm?: string
  /** Timing of remote JWKS fetches. */
  jwksTiming?: RemoteJwksTiming
  /** Timeout of metadata requests, in milliseconds. @default 5000 */
  discoveryTimeoutMs?: number
  /**
   * Allow `http:` issuer, metadata and JWKS URLs outside loopback. Loopback (`127.0.0.1`,
   * `localhost`, `[::1]`) is always allowed. For local testing only.
   * @default false
   */
  allowInsecureHttp?: boolean
  /** Where server-side problems are reported; `false` for silence. @default console */
  logger?: Logger | false
  /** The fetch used for metadata and keys. @default globalThis.fetch */
  fetch?: FetchLike
  /** Clock in milliseconds since the epoch (for tests). @default Date.now */
  now?: () => number
}

const KNOWN_OPTIONS = new Set<string>([
  'issuer',
  'audience',
  'jwksUri',
  'jwks',
  'secret',
  'metadataUrl',
  'algorithms',
  'strict',
  'clockTolerance',
  'maxTokenAge',
  'requiredClaims',
  'validators',
  'scopes',
  'extraction',
  'realm',
  'jwksTiming',
  'discoveryTimeoutMs',
  'allowInsecureHttp',
  'logger',
  'fetch',
  'now',
])

function url(name: string, value: unknown, allowInsecure: boolean, bareIssuer = false): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`${name} must be a URL string, got ${describe(value)}`)
  }
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new ConfigurationError(`${name} is not a valid URL: ${JSON.stringify(value)}`)
  }
  const problem = insecureUrlProblem(parsed, allowInsecure)
  if (problem !== undefined) throw new ConfigurationError(`${name}: ${problem}`)
  if (bareIssuer && (parsed.search !== '' || parsed.hash !== '')) {
    throw new ConfigurationError(`${name} must not have a query or fragment (RFC 8414 §2)`)
  }
  return parsed
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  return typeof value === 'string' ? JSON.stringify(value) : typeof value
}

function positive(name: string, value: unknown, allowZero = true): void {
  if (value === undefined) return
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new ConfigurationError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${describe(value)}`,
    )
  }
}

/**
 * Validates options once, at construction, with messages that say what to change.
 * @throws ConfigurationError
 */
export function validateOptions(options: ResourceServerOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createResourceServer() needs an options object')
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ConfigurationError(`unknown option "${key}"`)
  }
  const insecure = options.allowInsecureHttp === true
  url('issuer', options.issuer, insecure, true)
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((a) => typeof a !== 'string' || a === '')
  ) {
    throw new ConfigurationError(
      `audience must be this API's identifier (a non-empty string or array of strings), got ${describe(options.audience)}`,
    )
  }
  const sources = (['jwksUri', 'jwks', 'secret'] as const).filter((k) => options[k] !== undefined)
  if (sources.length > 1) {
    throw new ConfigurationError(`give only one key source; got ${sources.join(' and ')}`)
  }
  if (options.jwksUri !== undefined) url('jwksUri', options.jwksUri, insecure)
  if (options.metadataUrl !== undefined) url('metadataUrl', options.metadataUrl, insecure)
  if (
    options.secret !== undefined &&
    typeof options.secret !== 'string' &&
    !(options.secret instanceof Uint8Array)
  ) {
    throw new ConfigurationError('secret must be a string or a Uint8Array')
  }
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
      throw new ConfigurationError('algorithms must be a non-empty array, e.g. ["RS256"]')
    }
    const allowed = options.secret !== undefined ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
    for (const alg of options.algorithms) {
      if (alg === 'none') throw new ConfigurationError('algorithm "none" is never accepted')
      if (!allowed.includes(alg)) {
        throw new ConfigurationError(
          options.secret !== undefined
            ? `algorithm ${JSON.stringify(alg)} cannot be used with a secret; use ${SYMMETRIC_ALGORITHMS.join(', ')}`
            : SYMMETRIC_ALGORITHMS.includes(alg)
              ? `algorithm ${alg} needs a shared secret (the secret option); public keys never verify HMAC tokens`
              : `unsupported algorithm ${JSON.stringify(alg)}; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
        )
      }
    }
  }
  positive('clockTolerance', options.clockTolerance)
  positive('maxTokenAge', options.maxTokenAge, false)
  positive('discoveryTimeoutMs', options.discoveryTimeoutMs, false)
  const extraction = options.extraction
  if (extraction !== undefined) {
    positive('extraction.maxTokenLength', extraction.maxTokenLength, false)
    const q = extraction.query
    if (
      q !== undefined &&
      typeof q !== 'boolean' &&
      (typeof q !== 'string' || !/^[\w.~-]+$/.test(q))
    ) {
      throw new ConfigurationError('extraction.query must be a boolean or a query parameter name')
    }
  }
  const timing = options.jwksTiming
  if (timing !== undefined) {
    for (const key of ['timeoutMs', 'cooldownMs', 'maxAgeMs', 'retryAfterMs'] as const) {
      positive(`jwksTiming.${key}`, timing[key])
    }
  }
  if (options.requiredClaims !== undefined && !Array.isArray(options.requiredClaims)) {
    throw new ConfigurationError('requiredClaims must be an array of claim names')
  }
  if (options.validators !== undefined) {
    if (
      !Array.isArray(options.validators) ||
      options.validators.some((v) => typeof v !== 'function')
    ) {
      throw new ConfigurationError('validators must be an array of functions')
    }
  }
  if (options.scopes?.map !== undefined && typeof options.scopes.map !== 'function') {
    throw new ConfigurationError('scopes.map must be a function')
  }
  if (options.realm !== undefined && (typeof options.realm !== 'string' || options.realm === '')) {
    throw new ConfigurationError('realm must be a non-empty string')
  }
}
