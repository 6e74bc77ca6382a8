import { jwtVerify, type JWSHeaderParameters } from 'jose'
import {
  createClientAuthenticator,
  type ClientAuthMethod,
  type ClientCredentials,
} from './client-auth.js'
import {
  ConfigurationError,
  InvalidTokenError,
  TemporarilyUnavailableError,
  type OAuthErrorReason,
} from './errors.js'
import { NO_EVENTS, type EventSink } from './events.js'
import { failureDetail, type FetchLike } from './internal/fetch-json.js'
import { checkNumberOption, checkUrlOption } from './internal/option-checks.js'
import { BodyTooLargeError, readCappedText, upstreamSignal } from './internal/read-capped.js'
import type { KeySource, VerificationKey } from './key-source.js'
import type { Logger } from './logger.js'
import type { Store } from './store.js'
import { hashToken } from './token-hash.js'
import { redactText, redactUrl } from './url-policy.js'

/** Caching of introspection results. */
export interface IntrospectionCacheOptions {
  /** Longest time an active result is reused, in seconds (never past the token's `exp`). @default 300 */
  maxTtlSeconds?: number
  /** How long an inactive result is reused, in seconds. @default 10 */
  negativeTtlSeconds?: number
}

/** Token introspection (RFC 7662) settings for an issuer. */
export interface IntrospectionOptions {
  /** The introspection endpoint. @default the issuer metadata's `introspection_endpoint` */
  endpoint?: string
  /** This resource server's client id at the authorization server. */
  clientId: string
  /** Its secret, for `client_secret_basic` (default) and `client_secret_post`. */
  clientSecret?: string
  /** How to authenticate. @default 'client_secret_basic' ('private_key_jwt' with only a privateKey) */
  authMethod?: ClientAuthMethod
  /** For `private_key_jwt`: a private JWK or CryptoKey. */
  privateKey?: ClientCredentials['privateKey']
  /** For `private_key_jwt`: the assertion's algorithm. @default the JWK's `alg`, else RS256 */
  privateKeyAlg?: string
  /** For `private_key_jwt`: the assertion's `kid`. */
  privateKeyId?: string
  /** For `private_key_jwt`: the assertion's `aud`. @default the issuer identifier */
  assertionAudience?: string
  /**
   * Ask for JWT-secured responses (RFC 9701, `application/token-introspection+jwt`), verified with
   * the issuer's keys: `typ`, `iss`, `aud` = clientId and signature.
   * @default false
   */
  jwtResponse?: boolean
  /** Result caching, keyed by the token's SHA-256; `false` to ask every time. */
  cache?: IntrospectionCacheOptions | false
  /** Abort an introspection request after this many milliseconds. @default 5000 */
  timeoutMs?: number
  /**
   * After the endpoint failed (error status, timeout, bad answer), answer 503 for this long
   * without calling it, then let one request through to probe it (the others keep getting 503
   * until the probe succeeds). Cached results keep working meanwhile. Spares a failing
   * authorization server a storm of requests, one per distinct token. `0` turns this off.
   * @default 1000
   */
  retryAfterMs?: number
}

/** What an introspector needs from the resource server. */
export interface IntrospectorConfig {
  issuer: string
  audiences: readonly string[]
  options: IntrospectionOptions
  /** Resolves the endpoint (from `options.endpoint` or discovery). */
  endpoint: () => Promise<string>
  /** The issuer's signing keys, for RFC 9701 responses. */
  keys: KeySource
  store: Store
  fetch: FetchLike
  logger: Logger
  /** Where cache lookups are reported. @default no events */
  events?: EventSink
  /** Seconds. */
  clockTolerance: number
  /** Milliseconds since the epoch. */
  now: () => number
}

const JWT_RESPONSE = 'application/token-introspection+jwt'

/** Largest introspection response read (JSON or JWT), in bytes. */
export const INTROSPECTION_MAX_BYTES = 64 * 1024

function invalid(description: string, reason: OAuthErrorReason): InvalidTokenError {
  return new InvalidTokenError(description, { reason })
}

function unavailable(cause: unknown): TemporarilyUnavailableError {
  return new TemporarilyUnavailableError(
    'The server cannot check access tokens right now; try again later',
    { reason: 'introspection_unavailable', cause },
  )
}

/** What the endpoint answered. */
interface Answer {
  active: boolean
  claims?: Record<string, unknown>
}

/**
 * Cached form of a result, versioned so that a later format cannot be misread. `at` is when it was
 * asked for (milliseconds): its freshness travels with it, so no copy of it (in the shared store
 * or in an instance's verified-token cache) is reused past `at` + the cache lifetime.
 */
interface CachedResult extends Answer {
  v: 2
  at: number
}

/** An active token's claims and when the endpoint was asked for them. */
export interface IntrospectionResult {
  claims: Record<string, unknown>
  /** Milliseconds since the epoch: when the answer was asked for. */
  obtainedAt: number
}

/**
 * Creates the function that introspects one token and returns its claims when active. Results
 * are cached by token hash in the store (never past `exp`; inactive ones briefly), concurrent
 * lookups of one token share one request, and an unreachable or misbehaving endpoint is a 503,
 * never a 401.
 */
export function createIntrospector(
  config: IntrospectorConfig,
): (token: string) => Promise<IntrospectionResult> {
  const { options, store, logger, issuer, now } = config
  // Who asks where: answers obtained by another client or from another endpoint are not ours.
  const answerScope = JSON.stringify([issuer, options.endpoint ?? null, options.clientId])
  const authenticate = createClientAuthenticator(
    {
      clientId: options.clientId,
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
      ...(options.authMethod === undefined ? {} : { method: options.authMethod }),
      ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
      ...(options.privateKeyAlg === undefined ? {} : { privateKeyAlg: options.privateKeyAlg }),
      ...(options.privateKeyId === undefined ? {} : { privateKeyId: options.privateKeyId }),
      ...(options.assertionAudience === undefined
        ? {}
        : { assertionAudience: options.assertionAudience }),
    },
    issuer,
  )
  const cache = options.cache === false ? undefined : (options.cache ?? {})
  const maxTtlMs = (cache?.maxTtlSeconds ?? 300) * 1000
  const negativeTtlMs = (cache?.negativeTtlSeconds ?? 10) * 1000
  const timeoutMs = options.timeoutMs ?? 5000
  const retryAfterMs = options.retryAfterMs ?? 1000
  const pending = new Map<string, Promise<CachedResult>>()
  /** Circuit breaker: set while the endpoint is known to fail. */
  let down: { until: number; cause: unknown; probing: boolean } | undefined

  /** Whether a request may go to the endpoint now; while it is down, lets one probe through. */
  function mayCall(): boolean {
    if (down === undefined) return true
    if (down.probing || now() < down.until) return false
    down.probing = true
    return true
  }
  const tolerance = config.clockTolerance

  async function request(token: string): Promise<Answer> {
    const url = await config.endpoint()
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' })
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: options.jwtResponse ? JWT_RESPONSE : 'application/json',
    }
    await authenticate(headers, form)
    const shown = redactUrl(url)
    const upstream = upstreamSignal(timeoutMs)
    const failed = (cause: unknown): Error =>
      new Error(
        upstream.timedOut()
          ? `introspection at ${shown} timed out after ${timeoutMs} ms`
          : `introspection at ${shown} failed${failureDetail(cause)}`,
        { cause },
      )
    let text: string
    try {
      let response: Response
      try {
        response = await config.fetch(url, {
          method: 'POST',
          headers,
          body: form.toString(),
          redirect: 'manual',
          signal: upstream.signal,
        })
      } catch (cause) {
        throw failed(cause)
      }
      if (response.status !== 200) {
        upstream.abort()
        await response.body?.cancel().catch(() => {})
        if (response.status === 401 || response.status === 403) {
          throw new Error(
            `introspection at ${shown} refused this resource server's credentials (${response.status}); check the client id, secret and authentication method`,
          )
        }
        throw new Error(`introspection at ${shown} answered ${response.status}`)
      }
      try {
        text = await readCappedText(response, INTROSPECTION_MAX_BYTES, upstream.abort)
      } catch (cause) {
        if (cause instanceof BodyTooLargeError) {
          throw new Error(`introspection at ${shown} answered too much: ${cause.message}`, {
            cause,
          })
        }
        throw failed(cause)
      }
    } finally {
      upstream.done()
    }
    const body = options.jwtResponse ? await fromJwt(text) : fromJson(text, shown)
    if (typeof body['active'] !== 'boolean') {
      throw new Error(`introspection at ${shown} answered without a boolean "active"`)
    }
    return body['active'] ? { active: true, claims: body } : { active: false }
  }

  function fromJson(text: string, url: string): Record<string, unknown> {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new Error(`introspection at ${url} did not answer JSON`)
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error(`introspection at ${url} did not answer a JSON object`)
    }
    return json as Record<string, unknown>
  }

  async function fromJwt(text: string): Promise<Record<string, unknown>> {
    const getKey = (header: JWSHeaderParameters): Promise<VerificationKey> =>
      config.keys.getKey(header)
    const { payload } = await jwtVerify(text.trim(), getKey, {
      typ: 'token-introspection+jwt',
      issuer,
      audience: options.clientId,
      requiredClaims: ['iat'],
      clockTolerance: tolerance,
    })
    const inner = payload['token_introspection']
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) {
      throw new Error('the introspection JWT has no token_introspection object')
    }
    return inner as Record<string, unknown>
  }

  async function cached(key: string): Promise<CachedResult | undefined> {
    if (cache === undefined) return undefined
    try {
      const raw = await store.get(key, 'cache')
      if (raw === undefined) return undefined
      const value = JSON.parse(raw) as Partial<CachedResult>
      // Another format, or an answer whose lifetime has run out by our clock: ask again.
      return value.v === 2 &&
        typeof value.active === 'boolean' &&
        typeof value.at === 'number' &&
        value.at + (value.active ? maxTtlMs : negativeTtlMs) > now()
        ? (value as CachedResult)
        : undefined
    } catch (cause) {
      logger.warn(
        `introspection cache read failed; asking the endpoint: ${redactText(String(cause))}`,
      )
      return undefined
    }
  }

  async function remember(key: string, result: CachedResult): Promise<void> {
    if (cache === undefined) return
    // Counted from when the answer was asked for, not from now.
    let until = result.at + (result.active ? maxTtlMs : negativeTtlMs)
    const exp = result.claims?.['exp']
    if (result.active && typeof exp === 'number') until = Math.min(until, exp * 1000)
    const ttl = until - now()
    if (ttl <= 0) return
    try {
      await store.set(key, JSON.stringify(result), ttl, 'cache')
    } catch (cause) {
      logger.warn(`introspection cache write failed: ${redactText(String(cause))}`)
    }
  }

  async function lookup(token: string): Promise<CachedResult> {
    // One hash over who asks where and the token: the answer depends on all of them, and the key
    // stays short whatever the configuration holds.
    const key = `introspection:v2:${await hashToken(`${answerScope}\n${token}`)}`
    const hit = await cached(key)
    const events = config.events ?? NO_EVENTS
    if (cache !== undefined && events.enabled) {
      events.emit({ type: 'cache', cache: 'introspection', hit: hit !== undefined, issuer })
    }
    if (hit !== undefined) return hit
    let flight = pending.get(key)
    if (flight === undefined) {
      if (!mayCall()) throw unavailable(down?.cause)
      const at = now()
      flight = request(token)
        .then(async (answer): Promise<CachedResult> => {
          const result: CachedResult = { v: 2, at, ...answer }
          down = undefined
          await remember(key, result)
          return result
        })
        .catch((cause: unknown) => {
          logger.error(
            cause instanceof Error ? redactText(cause.message) : 'introspection failed',
            { issuer },
          )
          if (retryAfterMs > 0) down = { until: now() + retryAfterMs, cause, probing: false }
          throw unavailable(cause)
        })
        .finally(() => pending.delete(key))
      pending.set(key, flight)
    }
    return flight
  }

  return async function introspect(token) {
    const result = await lookup(token)
    if (!result.active || result.claims === undefined) {
      throw invalid('The access token is not active', 'inactive')
    }
    return {
      claims: checkActiveClaims(
        result.claims,
        config.issuer,
        config.audiences,
        now() / 1000,
        tolerance,
      ),
      obtainedAt: result.at,
    }
  }
}

/**
 * Checks an active introspection response against this server's policy (RFC 7662 §4): `iss`,
 * `aud`, `exp`, `nbf` and `token_type` when present.
 */
export function checkActiveClaims(
  claims: Record<string, unknown>,
  issuer: string,
  audiences: readonly string[],
  nowSeconds: number,
  tolerance: number,
): Record<string, unknown> {
  const { iss, aud, exp, nbf, token_type: tokenType } = claims
  if (iss !== undefined && iss !== issuer) {
    throw invalid('The access token was not issued by an accepted issuer', 'issuer_mismatch')
  }
  if (aud !== undefined) {
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
    if (!list.some((value) => audiences.includes(value as string))) {
      throw invalid('The access token is not meant for this resource server', 'audience_mismatch')
    }
  }
  if (exp !== undefined && (typeof exp !== 'number' || exp <= nowSeconds - tolerance)) {
    throw invalid('The access token expired', 'expired')
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + tolerance)) {
    throw invalid('The access token is not valid yet', 'not_yet_valid')
  }
  if (
    tokenType !== undefined &&
    !(typeof tokenType === 'string' && ['bearer', 'dpop'].includes(tokenType.toLowerCase()))
  ) {
    throw invalid('The token is not an access token', 'unsupported_token_type')
  }
  return { ...claims, iss: issuer }
}

const CLIENT_AUTH_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
] satisfies ClientAuthMethod[]

/**
 * Validates an issuer's `introspection` options (their shape is checked before).
 * @param name how to name an option in messages, e.g. `issuers[1].introspection.clientId`
 * @param withSecret whether the issuer verifies JWTs with a shared secret
 * @throws ConfigurationError
 */
export function validateIntrospectionOptions(
  introspection: IntrospectionOptions,
  name: (key: string) => string,
  allowInsecureHttp: boolean,
  withSecret: boolean,
): void {
  if (typeof introspection.clientId !== 'string' || introspection.clientId === '') {
    throw new ConfigurationError(
      `${name('clientId')} is required: this API's client id at the authorization server`,
    )
  }
  if (introspection.endpoint !== undefined) {
    checkUrlOption(name('endpoint'), introspection.endpoint, allowInsecureHttp)
  }
  const method =
    introspection.authMethod ??
    (introspection.privateKey !== undefined && introspection.clientSecret === undefined
      ? 'private_key_jwt'
      : 'client_secret_basic')
  if (!CLIENT_AUTH_METHODS.includes(method)) {
    throw new ConfigurationError(
      `${name('authMethod')} must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    )
  }
  if (method === 'private_key_jwt') {
    if (introspection.privateKey === undefined) {
      throw new ConfigurationError(`${name('privateKey')} is required for private_key_jwt`)
    }
  } else if (typeof introspection.clientSecret !== 'string' || introspection.clientSecret === '') {
    throw new ConfigurationError(`${name('clientSecret')} is required for ${method}`)
  }
  if (introspection.cache !== undefined && introspection.cache !== false) {
    checkNumberOption(name('cache.maxTtlSeconds'), introspection.cache.maxTtlSeconds)
    checkNumberOption(name('cache.negativeTtlSeconds'), introspection.cache.negativeTtlSeconds)
  }
  checkNumberOption(name('timeoutMs'), introspection.timeoutMs, false)
  checkNumberOption(name('retryAfterMs'), introspection.retryAfterMs)
  if (introspection.jwtResponse === true && withSecret) {
    throw new ConfigurationError(
      `${name('jwtResponse')} needs the issuer's public keys, not a secret`,
    )
  }
}
