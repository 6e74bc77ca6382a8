import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isOAuthError } from './errors.js'
import type { ScopeguardEvent } from './events.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'

/**
 * What introspection.test.ts does not cover: an outage seen from many requests at once — answers
 * stay correct (cached results keep working, new tokens get a 503, JWTs are still verified
 * locally), a hanging endpoint is cut off by the timeout, and service resumes by itself.
 *
 * No assertion reads the wall clock: the resource server runs on a manual clock (its `now`
 * option) that only the test moves, so the circuit breaker's `retryAfterMs` window opens exactly
 * when the test says; order is asserted by what has settled when; a hanging endpoint would show
 * as the test's own timeout (a liveness failure), never as a millisecond bound.
 */

const AUDIENCE = 'https://api.introspection-faults.test'
const CLIENT = { clientId: 'rs', clientSecret: 'secret-0123456789' }
let issuer: TestIssuer
/** The resource server's clock: the real time at the start of each test, then moved by hand. */
let clock: { ms: number }

// A fresh issuer for every test: requests a previous test left hanging (or that a loaded machine
// delivers late) must not count towards the next test's introspection calls.
beforeEach(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
  clock = { ms: Date.now() }
})
afterEach(async () => {
  await issuer.close()
})

function server(
  events: ScopeguardEvent[] = [],
  extra: Record<string, unknown> = {},
  introspection: Record<string, unknown> = {},
): ResourceServer {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      ...CLIENT,
      timeoutMs: 300,
      retryAfterMs: 200,
      ...introspection,
    },
    logger: silentLogger,
    onEvent: (event) => events.push(event),
    now: () => clock.ms,
    ...extra,
  })
}

async function status(rs: ResourceServer, token: string): Promise<{ status: number }> {
  const request: RequestLike = {
    method: 'GET',
    url: '/',
    headers: { authorization: `Bearer ${token}` },
  }
  try {
    await rs.authenticate(request)
    return { status: 200 }
  } catch (error) {
    if (!isOAuthError(error)) throw error
    return { status: error.status }
  }
}

describe('an introspection outage', () => {
  it(
    'keeps cached tokens working, 503s new ones after the timeout, and resumes by itself',
    { timeout: 30_000 },
    async () => {
      const events: ScopeguardEvent[] = []
      const warnings: string[] = []
      // Introspection requests can be held at this gate, as if the endpoint did not answer; a
      // held request goes on only when released, with its own (by then aborted) signal.
      let hold: Promise<void> | undefined
      const held: AbortSignal[] = []
      let introspections = 0
      const gated: typeof fetch = async (input, init) => {
        if (String(input) === issuer.introspectionEndpoint) {
          introspections++
          if (hold !== undefined) {
            if (init?.signal) held.push(init.signal)
            await hold
          }
        }
        return globalThis.fetch(input, init)
      }
      const rs = server(
        events,
        {
          fetch: gated,
          logger: { warn: () => {}, error: (message: string) => warnings.push(message) },
        },
        { timeoutMs: 1_000 },
      )
      const known = issuer.issueOpaque({ scope: 'a' })
      expect((await status(rs, known)).status).toBe(200)
      // The issuer's keys are fetched now, so that JWTs need no request during the outage.
      expect((await status(rs, await issuer.sign({ scope: 'a' }))).status).toBe(200)
      const jwts = await Promise.all(Array.from({ length: 10 }, () => issuer.sign({ scope: 'a' })))

      // The outage: introspection requests get no answer.
      let release: () => void = () => {}
      hold = new Promise<void>((resolve) => (release = resolve))
      let settledNew = 0
      const fresh = Array.from({ length: 30 }, () =>
        status(rs, issuer.issueOpaque({ scope: 'a' })).finally(() => settledNew++),
      )
      const unaffected = await Promise.all([
        ...Array.from({ length: 10 }, () => status(rs, known)),
        ...jwts.map((jwt) => status(rs, jwt)),
      ])
      // The cached result and locally verified JWTs are unaffected, and never wait for the outage:
      // all of them are answered while every new token is still waiting for the endpoint.
      expect(unaffected.map((a) => a.status)).toEqual(Array(20).fill(200))
      expect(settledNew).toBe(0)
      // Each waiting request is cut off by its own timeout (were it not, this would hang until
      // the test's timeout), and only then let go. Locally verified JWTs may be answered before
      // every new token has reached the endpoint: wait until all 30 are there.
      await vi.waitFor(() => expect(held).toHaveLength(30), { timeout: 10_000 })
      await Promise.all(
        held.map((signal) =>
          signal.aborted
            ? undefined
            : new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
        ),
      )
      release()
      // New opaque tokens: 503 (never 401: the endpoint's silence says nothing about the token).
      const answers = await Promise.all(fresh)
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(503))
      expect(warnings).toContain(
        `introspection at ${issuer.introspectionEndpoint} timed out after 1000 ms`,
      )
      const unavailable = events.filter((e) => e.type === 'upstream_unavailable')
      expect(unavailable).toHaveLength(30)
      expect(unavailable.every((e) => e.reason === 'introspection_unavailable')).toBe(true)

      // The endpoint is back. Inside the breaker's window: still 503, without asking it.
      hold = undefined
      expect(introspections).toBe(31)
      expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(503)
      expect(introspections).toBe(31)
      // Once retryAfterMs has passed, the next request probes the endpoint and succeeds.
      clock.ms += 201
      expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(200)
      expect(introspections).toBe(32)
    },
  )

  it('after a failure, spares the endpoint for retryAfterMs, then probes it with one request', async () => {
    // Introspection requests go through this gate, so the probe can be held in flight.
    let reached: () => void = () => {}
    let hold: Promise<void> | undefined
    const gated: typeof fetch = async (input, init) => {
      reached()
      if (hold !== undefined) await hold
      return globalThis.fetch(input, init)
    }
    const rs = server([], { fetch: gated }, { timeoutMs: 20_000 })
    issuer.setFault('introspection', { status: 500 })
    expect((await status(rs, issuer.issueOpaque({ scope: 'a' }))).status).toBe(503)
    expect(issuer.requestCount('introspection')).toBe(1)
    // A storm of distinct tokens right after the failure reaches nobody: 503 at once.
    const storm = await Promise.all(
      Array.from({ length: 100 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
    )
    expect(new Set(storm.map((a) => a.status))).toEqual(new Set([503]))
    expect(issuer.requestCount('introspection')).toBe(1)

    // After retryAfterMs one probe goes out; while it is held, the others still get 503.
    clock.ms += 201
    issuer.setFault('introspection', undefined)
    let release: () => void = () => {}
    hold = new Promise<void>((resolve) => (release = resolve))
    const probeSent = new Promise<void>((resolve) => (reached = resolve))
    const probe = status(rs, issuer.issueOpaque({ scope: 'a' }))
    await probeSent
    const during = await Promise.all(
      Array.from({ length: 20 }, () => status(rs, issuer.issueOpaque({ scope: 'a' }))),
    )
    expect(new Set(during.map((a) => a.status))).toEqual(new Set([503]))
    release()
    expect((await probe).status).toBe(200)
    expect(issuer.requestCount('introspection')).toBe(2)
    // The probe succeeded: everything flows again.
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
