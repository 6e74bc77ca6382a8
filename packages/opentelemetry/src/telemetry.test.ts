import { SpanStatusCode } from '@opentelemetry/api'
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import {
  createResourceServer,
  isOAuthError,
  requireScope,
  type RequestLike,
} from '@scopeguard/core'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTelemetryHook, INSTRUMENTATION_NAME, METRIC_NAMES } from './index.js'

/** Collects metrics on demand, like an exporter would. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const AUDIENCE = 'https://api.otel.test'
let issuer: TestIssuer
let spans: InMemorySpanExporter
let reader: CollectingReader
let hook: ReturnType<typeof createTelemetryHook>

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})
beforeEach(() => {
  spans = new InMemorySpanExporter()
  reader = new CollectingReader()
  hook = createTelemetryHook({
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    meterProvider: new MeterProvider({ readers: [reader] }),
  })
})

const request = (token: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `Bearer ${token}` },
})

async function attempt(promise: Promise<unknown>): Promise<void> {
  try {
    await promise
  } catch (error) {
    if (!isOAuthError(error)) throw error
  }
}

/** Data points of one instrument, after a collection. */
async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect()
  const scope = resourceMetrics.scopeMetrics.find((s) => s.scope.name === INSTRUMENTATION_NAME)
  const metric = scope?.metrics.find((m) => m.descriptor.name === name)
  return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[]
}

const sum = (list: DataPoint<number | Histogram>[], match: Record<string, unknown>): number =>
  list
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + (p.value as number), 0)

describe('createTelemetryHook with the OpenTelemetry SDK', () => {
  it('records spans, latency, failures by reason, cache lookups and key fetches', async () => {
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      logger: false,
      onEvent: hook,
    })
    for (let i = 0; i < 3; i++) {
      await rs.authenticate(request(await issuer.sign({ scope: 'files:read' })))
    }
    await attempt(rs.authenticate(request(await issuer.sign({}, { expiresIn: -600 }))))
    await attempt(rs.authenticate(request(await issuer.sign({ aud: 'https://other.test' }))))
    await attempt(rs.authenticate(request(await issuer.sign({}, { kid: 'junk' }))))
    const auth = await rs.authenticate(request(await issuer.sign({ scope: 'x' })))
    expect(() => rs.authorize(auth, requireScope('files:write'))).toThrow()

    const finished = spans.getFinishedSpans()
    const decisions = finished.filter((s) => s.name === 'scopeguard.authenticate')
    expect(decisions).toHaveLength(8)
    expect(
      decisions.filter((s) => s.attributes['scopeguard.outcome'] === 'authenticated'),
    ).toHaveLength(4)
    expect(decisions.map((s) => s.attributes['scopeguard.reason']).filter(Boolean)).toEqual([
      'expired',
      'audience_mismatch',
      'no_matching_key',
      'missing_scope',
    ])
    const fetches = finished.filter((s) => s.name === 'scopeguard.key_fetch')
    expect(fetches.map((s) => s.attributes['scopeguard.key_fetch.trigger'])).toEqual([
      'initial',
      'unknown_kid',
    ])
    expect(fetches[0]?.attributes['url.full']).toBe(issuer.jwksUri)
    expect(JSON.stringify(finished.map((s) => s.attributes))).not.toMatch(/eyJ/)

    const latency = await points(METRIC_NAMES.verificationDuration)
    const authenticated = latency.find(
      (p) => p.attributes['scopeguard.outcome'] === 'authenticated',
    )
    expect((authenticated?.value as Histogram).count).toBe(4)
    expect((authenticated?.value as Histogram).sum).toBeGreaterThan(0)

    const failures = await points(METRIC_NAMES.failures)
    expect(sum(failures, { 'scopeguard.reason': 'expired', 'oauth.error': 'invalid_token' })).toBe(
      1,
    )
    expect(sum(failures, { 'scopeguard.reason': 'audience_mismatch' })).toBe(1)
    expect(sum(failures, { 'scopeguard.reason': 'no_matching_key' })).toBe(1)
    expect(
      sum(failures, { 'scopeguard.reason': 'missing_scope', 'http.response.status_code': 403 }),
    ).toBe(1)

    const cache = await points(METRIC_NAMES.cacheLookups)
    expect(
      sum(cache, { 'scopeguard.cache': 'jwks', 'scopeguard.cache.result': 'miss' }),
    ).toBeGreaterThanOrEqual(1)
    expect(
      sum(cache, { 'scopeguard.cache': 'jwks', 'scopeguard.cache.result': 'hit' }),
    ).toBeGreaterThanOrEqual(3)

    const keyFetches = await points(METRIC_NAMES.keyFetches)
    expect(sum(keyFetches, { 'scopeguard.key_fetch.outcome': 'ok' })).toBe(2)
  })

  it('marks a 503 and a failed key fetch as errors, and counts stale keys', async () => {
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwksUri: issuer.jwksUri,
      jwksTiming: { retryAfterMs: 0, maxAgeMs: 0 },
      logger: false,
      onEvent: hook,
    })
    issuer.setFault('jwks', { status: 500 })
    try {
      await attempt(rs.authenticate(request(await issuer.sign({}))))
      const [decision] = spans
        .getFinishedSpans()
        .filter((s) => s.name === 'scopeguard.authenticate')
      expect(decision?.attributes['scopeguard.outcome']).toBe('upstream_unavailable')
      expect(decision?.status.code).toBe(SpanStatusCode.ERROR)
      const [fetch] = spans.getFinishedSpans().filter((s) => s.name === 'scopeguard.key_fetch')
      expect(fetch?.status.code).toBe(SpanStatusCode.ERROR)

      issuer.setFault('jwks', undefined)
      await rs.authenticate(request(await issuer.sign({})))
      issuer.setFault('jwks', { status: 500 })
      await rs.authenticate(request(await issuer.sign({})))
      for (let i = 0; i < 50 && sum(await points(METRIC_NAMES.staleKeysServed), {}) === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(sum(await points(METRIC_NAMES.staleKeysServed), {})).toBeGreaterThanOrEqual(1)
    } finally {
      issuer.setFault('jwks', undefined)
    }
  })

  it('records metrics only with spans: false', async () => {
    reader = new CollectingReader()
    hook = createTelemetryHook({
      tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
      meterProvider: new MeterProvider({ readers: [reader] }),
      spans: false,
    })
    hook({ type: 'authenticated', durationMs: 2, format: 'jwt' })
    expect(spans.getFinishedSpans()).toHaveLength(0)
    const latency = await points(METRIC_NAMES.verificationDuration)
    expect((latency[0]?.value as Histogram).count).toBe(1)
  })

  it('works with the global no-op providers when no SDK is registered', () => {
    const global = createTelemetryHook()
    expect(() => {
      global({ type: 'rejected', reason: 'expired', code: 'invalid_token', status: 401 })
      global({ type: 'key_fetch', outcome: 'ok', trigger: 'initial', durationMs: 1 })
    }).not.toThrow()
  })
})
