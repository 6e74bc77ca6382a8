import type { AuthInfo } from './auth-info.js'
import { isOAuthError, type OAuthErrorCode, type OAuthErrorReason } from './errors.js'
import type { Logger } from './logger.js'

/**
 * What a {@link ScopeguardEvent} reports.
 *
 * - `authenticated`: a request's token was verified.
 * - `rejected`: a request was refused (400, 401, 403); `reason` says why.
 * - `upstream_unavailable`: a request got a 503 because keys, introspection or the store could not
 *   be reached; `reason` is `key_source_unavailable` or `introspection_unavailable`.
 * - `key_fetch`: a JWK Set was fetched (`outcome` `ok` or `failed`, with `trigger`).
 * - `stale_keys_served`: a JWKS refresh failed and the cached keys stay in use.
 * - `cache`: a key or introspection cache lookup (`cache`, `hit`).
 */
export type ScopeguardEventType =
  | 'authenticated'
  | 'rejected'
  | 'upstream_unavailable'
  | 'key_fetch'
  | 'stale_keys_served'
  | 'cache'

/**
 * A structured event. Events never carry the token, key material or exception text a client
 * could use: only codes, identifiers of the issuer and client, and timings.
 */
export interface ScopeguardEvent {
  type: ScopeguardEventType
  /** Detailed reason, for `rejected` and `upstream_unavailable`. */
  reason?: OAuthErrorReason
  /** The RFC error code sent to the client, for `rejected` and `upstream_unavailable`. */
  code?: OAuthErrorCode
  /** The HTTP status sent, for `rejected` and `upstream_unavailable`. */
  status?: number
  /** The issuer the token (or the key set) belongs to, when known. */
  issuer?: string
  /** The token's `client_id` (or `azp`), for `authenticated`. */
  clientId?: string
  /** How the token was verified, for `authenticated`. */
  format?: 'jwt' | 'opaque'
  /** Time spent, in milliseconds: the verification for request events, the fetch for `key_fetch`. */
  durationMs?: number
  /** For `key_fetch`: the JWKS URL, without userinfo, query or fragment. */
  url?: string
  /** For `key_fetch`. */
  outcome?: 'ok' | 'failed'
  /** For `key_fetch`: `initial` load, background `refresh`, or `unknown_kid`. */
  trigger?: 'initial' | 'refresh' | 'unknown_kid'
  /** For `cache`: which cache. */
  cache?: 'jwks' | 'introspection'
  /** For `cache`: whether the lookup was answered from the cache. */
  hit?: boolean
}

/**
 * Receives every {@link ScopeguardEvent}. It runs synchronously on the request path, so keep it
 * cheap; an exception it throws (or a promise it rejects) is logged and never affects the request.
 */
export type EventHandler = (event: ScopeguardEvent) => void

/** Emits events to a handler; `enabled` lets callers skip building events nobody receives. */
export interface EventSink {
  readonly enabled: boolean
  emit(event: ScopeguardEvent): void
}

/** A sink with no handler: `emit` does nothing. */
export const NO_EVENTS: EventSink = { enabled: false, emit() {} }

/**
 * Wraps a handler so that whatever it throws or rejects never reaches the request. Failures are
 * logged: the first one, then every thousandth, so a broken handler cannot flood the logs.
 */
export function createEventSink(handler: EventHandler | undefined, logger: Logger): EventSink {
  if (handler === undefined) return NO_EVENTS
  let failures = 0
  const report = (cause: unknown): void => {
    failures += 1
    if (failures !== 1 && failures % 1000 !== 0) return
    const reason = cause instanceof Error ? cause.message : 'error'
    logger.warn(
      `the onEvent handler failed (${failures} time${failures === 1 ? '' : 's'}): ${reason}`,
    )
  }
  return {
    enabled: true,
    emit(event) {
      try {
        const result = handler(event) as unknown
        if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
          ;(result as Promise<unknown>).then(undefined, report)
        }
      } catch (cause) {
        report(cause)
      }
    },
  }
}

/** Milliseconds from a high-resolution clock (`performance.now()`), for durations. */
export function monotonicMs(): number {
  return globalThis.performance.now()
}

/** Reports the outcome of each request of a resource server as events. */
export interface RequestReporter {
  /** The start of a request's verification, for its `durationMs` (0 when nobody listens). */
  start(): number
  /** A verified token: `authenticated`. */
  authenticated(auth: AuthInfo<object>, started: number): void
  /**
   * A refused request: `rejected`, or `upstream_unavailable` for a 503, with the time since
   * `started` when given. Anything but an OAuthError is not reported.
   */
  refused(error: unknown, started?: number): void
  /** A requirement's refusal, reported once whether an adapter or `authorize()` ran it. */
  refusedOnce(error: unknown): void
}

/** Creates the reporter of one resource server. */
export function createRequestReporter(events: EventSink): RequestReporter {
  const reported = new WeakSet<object>()
  const refused = (error: unknown, started?: number): void => {
    if (!events.enabled || !isOAuthError(error)) return
    events.emit({
      type: error.status === 503 ? 'upstream_unavailable' : 'rejected',
      code: error.code,
      status: error.status,
      ...(error.reason === undefined ? {} : { reason: error.reason }),
      ...(started === undefined ? {} : { durationMs: monotonicMs() - started }),
    })
  }
  return {
    start: () => (events.enabled ? monotonicMs() : 0),
    authenticated(auth, started) {
      if (!events.enabled) return
      events.emit({
        type: 'authenticated',
        issuer: auth.issuer,
        format: auth.format,
        ...(auth.clientId === undefined ? {} : { clientId: auth.clientId }),
        durationMs: monotonicMs() - started,
      })
    },
    refused,
    refusedOnce(error) {
      if (!events.enabled || !isOAuthError(error) || reported.has(error)) return
      reported.add(error)
      refused(error)
    },
  }
}
