import type { OAuthErrorCode, OAuthErrorReason } from './errors.js'
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

const refusalReporters = new WeakMap<object, (error: unknown) => void>()

/**
 * Lets requirement checks on this auth object report their refusals (a 403 from `requireScope`
 * run by an adapter's middleware) to the resource server that produced it.
 */
export function attachRefusalReporter(auth: object, report: (error: unknown) => void): void {
  refusalReporters.set(auth, report)
}

/** Reports a requirement's refusal for this auth object, if its server listens; returns `error`. */
export function reportRefusal<E>(auth: object, error: E): E {
  refusalReporters.get(auth)?.(error)
  return error
}
