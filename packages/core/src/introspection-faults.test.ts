import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isOAuthError } from './errors.js'
import type { ScopeguardEvent } from './events.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'

/**
 * What introspection.test.ts does not cover: an outage seen from many requests at once, on the
 * real clock — answers stay correct (cached results keep working, new tokens get a 503, JWTs are
 * still verified locally), latency stays bounded by the timeout, and service resumes by itself.
 */

const AUDIENCE = 'https://api.introspection-faults.test'
const CLIENT = { clientId: 'rs', clientSecret: 'secret-0123456789' }
let issuer: TestIssuer

// A fresh issuer for every test: requests a previous test left hanging (or that a loaded machine
// delivers late) must not count towards the next test's introspection calls.
beforeEach(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
})
afterEach(async () => {
  await issuer.close()
})

function server(
  events: ScopeguardEvent[] = [],
  extra: Record<string, unknown> = {},
): ResourceServer {
  return createResourceServer({
    ...extra,
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      ...CLIENT,
      timeoutMs: 300,
      retryAfterMs: 200,
    },
    logger: silentLogger,
    onEvent: (event) => events.push(event),
  })
}

async function status(
  rs: ResourceServer,
  token: string,
): Promise<{ status: number; ms: number; at: number }> {
  const request: RequestLike = {
    method: 'GET',
    url: '/',
    headers: { authorization: `Bearer ${token}` },
  }
  const started = performance.now()
  try {
    await rs.authenticate(request)
    return { status: 200, ms: performance.now() - started, at: performance.now() }
  } catch (error) {
    if (!isOAuthError(error)) throw error
    return { status: error.status, ms: performance.now() - started, at: performance.now() }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('an introspection outage', () => {
  it('keeps cached tokens working, 503s new ones within the timeout, and resumes by itself', async () => {
    const events: ScopeguardEvent[] = []
    const rs = server(events)
    const known = issuer.issueOpaque({ scope: 'a' })
    expect((await status(rs, known)).status).toBe(200)

    issuer.setFault('introspection', { delayMs: 5_000 })
    const started = performance.now()
    const answers = await Promise.all([
      ...Array.from({ length: 30 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
      ...Array.from({ length: 10 }, () => status(rs, known)),
      ...Array.from({ length: 10 }, async () => status(rs, await issuer.sign({ scope: 'a' }))),
    ])
    const elapsed = performance.now() - started
    // New opaque tokens: 503 (never 401: the endpoint's silence says nothing about the token).
    expect(answers.slice(0, 30).map((a) => a.status)).toEqual(Array(30).fill(503))
    // The cached result and locally verified JWTs are unaffected, and never wait for the outage:
    // all of them are answered before the first 503.
    expect(answers.slice(30).map((a) => a.status)).toEqual(Array(20).fill(200))
    const firstUnavailable = Math.min(...answers.slice(0, 30).map((a) => a.at))
    for (const answer of answers.slice(30)) expect(answer.at).toBeLessThan(firstUnavailable)
    // Bounded latency: every request is answered within the timeout plus a margin.
    for (const answer of answers) expect(answer.ms).toBeLessThan(2_000)
    expect(elapsed).toBeLessThan(2_500)
    expect(events.filter((e) => e.type === 'upstream_unavailable')).toHaveLength(30)
    expect(
      events
        .filter((e) => e.type === 'upstream_unavailable')
        .every((e) => e.reason === 'introspection_unavailable'),
    ).toBe(true)

    issuer.setFault('introspection', undefined)
    await sleep(250)
    expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(200)
  })

  it('after a failure, spares the endpoint for retryAfterMs, then probes it with one request', async () => {
    const rs = server()
    issuer.setFault('introspection', { status: 500 })
    expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(503)
    expect(issuer.requestCount('introspection')).toBe(1)
    // A storm of distinct tokens right after the failure reaches nobody: 503 at once.
    const storm = await Promise.all(
      Array.from({ length: 100 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
    )
    expect(new Set(storm.map((a) => a.status))).toEqual(new Set([503]))
    expect(issuer.requestCount('introspection')).toBe(1)

    // After retryAfterMs one probe goes out; while it hangs, the others still get 503.
    await sleep(250)
    issuer.setFault('introspection', { delayMs: 200 })
    const probe = status(rs, issuer.issueOpaque({ scope: 'a' }))
    const during = await Promise.all(
      Array.from({ length: 20 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
    )
    expect(new Set(during.map((a) => a.status))).toEqual(new Set([503]))
    expect((await probe).status).toBe(200)
    expect(issuer.requestCount('introspection')).toBe(2)
    // The probe succeeded: everything flows again.
    issuer.setFault('introspection', undefined)
    const after = await Promise.all(
      Array.from({ length: 5 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
    )
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
  })

  it('retryAfterMs: 0 turns the breaker off', async () => {
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      introspection: { endpoint: issuer.introspectionEndpoint, ...CLIENT, retryAfterMs: 0 },
      logger: silentLogger,
    })
    issuer.setFault('introspection', { status: 500 })
    for (let i = 0; i < 3; i++) {
      expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(503)
    }
    expect(issuer.requestCount('introspection')).toBe(3)
  })

  it('a burst of one token during an outage makes one request, and garbage answers are 503s', async () => {
    const rs = server()
    issuer.setFault('introspection', { status: 200, body: 'not json at all' })
    const token = issuer.issueOpaque({ scope: 'a' })
    const answers = await Promise.all(Array.from({ length: 25 }, () => status(rs, token)))
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([503]))
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('reports introspection cache hits and misses as events', async () => {
    const events: ScopeguardEvent[] = []
    // Without the verified-token cache, the second request reaches the introspection cache.
    const rs = server(events, { cache: false })
    const token = issuer.issueOpaque({ scope: 'a' })
    await status(rs, token)
    await status(rs, token)
    const lookups = events.filter((e) => e.type === 'cache' && e.cache === 'introspection')
    expect(lookups.map((e) => e.hit)).toEqual([false, true])
    expect(issuer.requestCount('introspection')).toBe(1)
  })
})
