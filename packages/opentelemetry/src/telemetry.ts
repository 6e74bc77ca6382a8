import {
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type MeterProvider,
  type TracerProvider,
} from '@opentelemetry/api'
import type { EventHandler, ScopeguardEvent } from '@scopeguard/core'

/** Options of {@link createTelemetryHook}. */
export interface TelemetryOptions {
  /** Where spans go. @default the global tracer provider (`trace.getTracerProvider()`) */
  tracerProvider?: TracerProvider
  /** Where metrics go. @default the global meter provider (`metrics.getMeterProvider()`) */
  meterProvider?: MeterProvider
  /**
   * Record a span per request decision (`scopeguard.authenticate`) and per key fetch
   * (`scopeguard.key_fetch`). Metrics are recorded either way.
   * @default true
   */
  spans?: boolean
}

/** The instrumentation scope name of the tracer and meter. */
export const INSTRUMENTATION_NAME = '@scopeguard/opentelemetry'
const VERSION = '0.1.0'

/** Names of the instruments this package records. */
export const METRIC_NAMES = {
  /** Histogram (ms) of request verifications, by `scopeguard.outcome` and `scopeguard.token.format`. */
  verificationDuration: 'scopeguard.verification.duration',
  /** Counter of refused requests, by `scopeguard.reason`, `oauth.error` and `http.response.status_code`. */
  failures: 'scopeguard.failures',
  /** Counter of key and introspection cache lookups, by `scopeguard.cache` and `scopeguard.cache.result`. */
  cacheLookups: 'scopeguard.cache.lookups',
  /** Counter of JWKS fetches, by `scopeguard.key_fetch.outcome` and `scopeguard.key_fetch.trigger`. */
  keyFetches: 'scopeguard.key_fetches',
  /** Counter of refreshes that failed while cached keys kept being used. */
  staleKeysServed: 'scopeguard.stale_keys_served',
} as const

const OUTCOME = {
  authenticated: 'authenticated',
  rejected: 'rejected',
  upstream_unavailable: 'upstream_unavailable',
} as const

/**
 * Returns an `onEvent` handler for `createResourceServer` (and so for every adapter) that turns
 * scopeguard's events into OpenTelemetry spans and metrics: verification latency, failures by
 * reason, cache hits and misses, key fetches. Spans start as children of the active context
 * (the HTTP server span, when HTTP instrumentation is installed) and are back-dated by the
 * event's `durationMs`. Nothing here reads or records the token.
 *
 * @example
 * ```ts
 * import { createTelemetryHook } from '@scopeguard/opentelemetry'
 * const rs = createResourceServer({ issuer, audience, onEvent: createTelemetryHook() })
 * ```
 */
export function createTelemetryHook(options: TelemetryOptions = {}): EventHandler {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    INSTRUMENTATION_NAME,
    VERSION,
  )
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(
    INSTRUMENTATION_NAME,
    VERSION,
  )
  const spans = options.spans !== false
  const duration = meter.createHistogram(METRIC_NAMES.verificationDuration, {
    description: 'Time to find and verify the access token of a request',
    unit: 'ms',
  })
  const failures = meter.createCounter(METRIC_NAMES.failures, {
    description: 'Requests refused, by reason',
  })
  const cacheLookups = meter.createCounter(METRIC_NAMES.cacheLookups, {
    description: 'Key and introspection cache lookups, by result (hit ratio = hit / all)',
  })
  const keyFetches = meter.createCounter(METRIC_NAMES.keyFetches, {
    description: 'JWK Set fetches, by outcome and trigger',
  })
  const staleKeys = meter.createCounter(METRIC_NAMES.staleKeysServed, {
    description: 'Failed key refreshes answered from the cached keys',
  })

  function span(name: string, event: ScopeguardEvent, attributes: Attributes, failed: boolean) {
    if (!spans) return
    const end = Date.now()
    const started = end - (event.durationMs ?? 0)
    const recorded = tracer.startSpan(name, {
      kind: SpanKind.INTERNAL,
      startTime: started,
      attributes,
    })
    if (failed)
      recorded.setStatus({ code: SpanStatusCode.ERROR, message: event.reason ?? event.type })
    recorded.end(end)
  }

  return (event) => {
    switch (event.type) {
      case 'authenticated':
      case 'rejected':
      case 'upstream_unavailable': {
        const attributes: Attributes = { 'scopeguard.outcome': OUTCOME[event.type] }
        if (event.format !== undefined) attributes['scopeguard.token.format'] = event.format
        if (event.issuer !== undefined) attributes['scopeguard.issuer'] = event.issuer
        if (event.type !== 'authenticated') {
          if (event.reason !== undefined) attributes['scopeguard.reason'] = event.reason
          if (event.code !== undefined) attributes['oauth.error'] = event.code
          if (event.status !== undefined) attributes['http.response.status_code'] = event.status
          failures.add(1, {
            'scopeguard.reason': event.reason ?? 'unknown',
            ...(event.code === undefined ? {} : { 'oauth.error': event.code }),
            ...(event.status === undefined ? {} : { 'http.response.status_code': event.status }),
          })
        }
        if (event.durationMs !== undefined) {
          duration.record(event.durationMs, {
            'scopeguard.outcome': OUTCOME[event.type],
            ...(event.format === undefined ? {} : { 'scopeguard.token.format': event.format }),
          })
        }
        span('scopeguard.authenticate', event, attributes, event.type === 'upstream_unavailable')
        return
      }
      case 'cache':
        cacheLookups.add(1, {
          'scopeguard.cache': event.cache ?? 'unknown',
          'scopeguard.cache.result': event.hit === true ? 'hit' : 'miss',
        })
        return
      case 'key_fetch': {
        const attributes: Attributes = {
          'scopeguard.key_fetch.outcome': event.outcome ?? 'unknown',
          'scopeguard.key_fetch.trigger': event.trigger ?? 'unknown',
        }
        keyFetches.add(1, attributes)
        span(
          'scopeguard.key_fetch',
          event,
          {
            ...attributes,
            ...(event.url === undefined ? {} : { 'url.full': event.url }),
            ...(event.issuer === undefined ? {} : { 'scopeguard.issuer': event.issuer }),
          },
          event.outcome === 'failed',
        )
        return
      }
      case 'stale_keys_served':
        staleKeys.add(1, event.issuer === undefined ? {} : { 'scopeguard.issuer': event.issuer })
        return
      default:
        return
    }
  }
}
