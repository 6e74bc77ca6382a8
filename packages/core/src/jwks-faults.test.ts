import { createServer } from 'node:net'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isOAuthError } from './errors.js'
import type { ScopeguardEvent } from './events.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import type { ResourceServerOptions } from './options.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'
import type { RemoteJwksTiming } from './remote-jwks.js'

/**
 * JWKS failure modes end to end: a resource server against a real loopback issuer whose JWKS
 * endpoint is down, slow, broken or rotating. Every token is freshly signed so that no
 * verified-token cache can hide the key source.
 *
 * No assertion reads the wall clock: the resource server runs on a manual clock (its `now`
 * option) that the test moves past `maxAgeMs` and `retryAfterMs`; a hanging fetch is held at a
 * gate until its own timeout aborts it; what happens in the background is awaited by its event,
 * with a generous bound for liveness only.
 */

const AUDIENCE = 'https://api.faults.test'
const issuers: TestIssuer[] = []
/** The resource servers' clock: the real time at the start of each test, then moved by hand. */
let clock: { ms: number }
beforeEach(() => {
  clock = { ms: Date.now() }
})
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()))
})

async function startIssuer(port?: number): Promise<TestIssuer> {
  const issuer = await createTestIssuer({ audience: AUDIENCE, ...(port ? { port } : {}) })
  issuers.push(issuer)
  return issuer
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

interface Answer {
  status: number
}

function serverFor(
  issuer: string,
  timing: RemoteJwksTiming,
  events?: ScopeguardEvent[],
  extra: Partial<ResourceServerOptions> = {},
): ResourceServer {
  return createResourceServer({
    issuer,
    audience: AUDIENCE,
    jwksUri: `${issuer}/jwks`,
    jwksTiming: timing,
    logger: silentLogger,
    now: () => clock.ms,
    ...(events ? { onEvent: (event: ScopeguardEvent) => events.push(event) } : {}),
    ...extra,
  })
}

async function answer(rs: ResourceServer, token: string): Promise<Answer> {
  const request: RequestLike = {
    method: 'GET',
    url: '/files',
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

/** A fetch that holds JWKS requests while `held` is on, until their own signal aborts. */
function gatedFetch() {
  const gate = { held: false, waiting: 0 }
  const fetch: typeof globalThis.fetch = async (input, init) => {
    if (gate.held && String(input).endsWith('/jwks')) {
      gate.waiting++
      const signal = init?.signal
      if (signal && !signal.aborted) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      }
    }
    return globalThis.fetch(input, init)
  }
  return { gate, fetch }
}

/** Waits for something that happens in the background; the bound only catches a hang. */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 5 })

describe('JWKS endpoint down at startup', () => {
  it('answers 503 while down, and 200 once the endpoint is up and retryAfterMs has passed', async () => {
    const port = await closedPort()
    const origin = `http://127.0.0.1:${port}`
    const rs = serverFor(origin, { retryAfterMs: 100 })
    await expect(rs.warmUp()).rejects.toThrow(/cannot load signing keys/)
    // Any well-formed token: the keys cannot even be fetched.
    const early = await answer(rs, 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln')
    expect(early.status).toBe(503)
    const issuer = await startIssuer(port)
    // Within retryAfterMs of the failure the endpoint is spared: 503 without a fetch.
    expect((await answer(rs, await issuer.sign({}))).status).toBe(503)
    expect(issuer.requestCount('jwks')).toBe(0)
    clock.ms += 101
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
    expect(issuer.requestCount('jwks')).toBe(1)
  })
})

describe('JWKS endpoint slow past the timeout', () => {
  it('answers 503 once the timeout cuts off the fetch, when nothing is cached', async () => {
    const issuer = await startIssuer()
    // The endpoint hangs far longer than the test may run: only the timeout can answer (a broken
    // timeout shows as this test timing out).
    issuer.setFault('jwks', { delayMs: 120_000 })
    const errors: string[] = []
    const rs = serverFor(issuer.issuer, { timeoutMs: 300 }, undefined, {
      logger: { warn: () => {}, error: (message) => errors.push(message) },
    })
    const result = await answer(rs, await issuer.sign({}))
    expect(result.status).toBe(503)
    // It did wait for the endpoint: the request reached it and was cut off by the timeout.
    expect(issuer.requestCount('jwks')).toBe(1)
    expect(errors).toEqual([
      `cannot load signing keys: GET ${issuer.jwksUri} timed out after 300 ms`,
    ])
  })

  it('keeps answering 200 from cached keys while the refresh hangs', async () => {
    const issuer = await startIssuer()
    const events: ScopeguardEvent[] = []
    const { gate, fetch } = gatedFetch()
    const rs = serverFor(issuer.issuer, { timeoutMs: 300, maxAgeMs: 50, retryAfterMs: 0 }, events, {
      fetch,
    })
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
    gate.held = true
    clock.ms += 80
    const results: Answer[] = []
    for (let i = 0; i < 5; i++) results.push(await answer(rs, await issuer.sign({})))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    // The refresh started and is still hanging: none of the answers waited for it.
    expect(gate.waiting).toBe(1)
    const refreshes = () => events.filter((e) => e.type === 'key_fetch' && e.trigger === 'refresh')
    expect(refreshes()).toEqual([])
    // Once its timeout cuts it off, the cached keys are reported as served stale.
    await eventually(() => expect(events.some((e) => e.type === 'stale_keys_served')).toBe(true))
    expect(refreshes().map((e) => e.outcome)).toEqual(['failed'])
  })
})

describe('JWKS endpoint answering 500 or garbage', () => {
  for (const [name, fault] of [
    ['500', { status: 500 }],
    ['HTML', { status: 200, body: '<html>oops</html>', contentType: 'text/html' }],
    ['JSON without keys', { status: 200, body: '{"keys":"nope"}' }],
    ['a dropped connection', { destroySocket: true }],
  ] as const) {
    it(`${name}: 503 with nothing cached, 200 from cached keys`, async () => {
      const issuer = await startIssuer()
      issuer.setFault('jwks', fault)
      const cold = serverFor(issuer.issuer, { retryAfterMs: 10_000 })
      // The clock stands still, so every request below is within retryAfterMs of the failure.
      expect((await answer(cold, await issuer.sign({}))).status).toBe(503)
      // No refetch for retryAfterMs: a burst of requests costs no further fetches.
      issuer.resetCounts()
      for (let i = 0; i < 20; i++)
        expect((await answer(cold, await issuer.sign({}))).status).toBe(503)
      expect(issuer.requestCount('jwks')).toBe(0)

      issuer.setFault('jwks', undefined)
      const warm = serverFor(issuer.issuer, { maxAgeMs: 0, retryAfterMs: 0 })
      expect((await answer(warm, await issuer.sign({}))).status).toBe(200)
      issuer.setFault('jwks', fault)
      issuer.resetCounts()
      for (let i = 0; i < 5; i++) {
        clock.ms += 1 // past maxAgeMs: each request starts a background refresh, which fails
        expect((await answer(warm, await issuer.sign({}))).status).toBe(200)
      }
      await eventually(() => expect(issuer.requestCount('jwks')).toBeGreaterThan(0))
      // An unknown kid meanwhile is the token's fault: 401, never 503.
      expect((await answer(warm, await issuer.sign({}, { kid: 'nope' }))).status).toBe(401)
    })
  }
})

describe('rotating keys', () => {
  it('picks up a new kid with one refetch, and stops accepting a removed key after maxAgeMs', async () => {
    const issuer = await startIssuer()
    const events: ScopeguardEvent[] = []
    const rs = serverFor(issuer.issuer, { maxAgeMs: 300, retryAfterMs: 0 }, events)
    const oldKid = issuer.publicJwk()['kid'] as string
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)

    const newKid = await issuer.rotateKey()
    issuer.resetCounts()
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
    expect(issuer.requestCount('jwks')).toBe(1)
    expect((await answer(rs, await issuer.sign({}, { keyId: newKid }))).status).toBe(200)

    issuer.removeKey(oldKid)
    // Still cached: the removed key verifies until the cache is older than maxAgeMs…
    expect((await answer(rs, await issuer.sign({}, { keyId: oldKid }))).status).toBe(200)
    clock.ms += 301
    // …the next request starts the background refresh; once it lands the old key is gone.
    await answer(rs, await issuer.sign({}))
    await eventually(() =>
      expect(events.filter((e) => e.type === 'key_fetch' && e.trigger === 'refresh')).toHaveLength(
        1,
      ),
    )
    expect((await answer(rs, await issuer.sign({}, { keyId: oldKid }))).status).toBe(401)
    expect((await answer(rs, await issuer.sign({}, { keyId: newKid }))).status).toBe(200)
  })

  it('a junk-kid flood neither storms the endpoint nor blocks a genuine rotation', async () => {
    const issuer = await startIssuer()
    const rs = serverFor(issuer.issuer, {})
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
    issuer.resetCounts()
    const junk = await Promise.all(
      Array.from({ length: 20 }, (_, i) => issuer.sign({}, { kid: `junk-${i % 2}` })),
    )
    const flood = await Promise.all(
      Array.from({ length: 400 }, (_, i) => answer(rs, junk[i % junk.length] as string)),
    )
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([401]))
    const spent = issuer.requestCount('jwks')
    expect(spent).toBeLessThanOrEqual(2)

    const newKid = await issuer.rotateKey()
    expect((await answer(rs, await issuer.sign({}, { keyId: newKid }))).status).toBe(200)
    expect(issuer.requestCount('jwks')).toBe(spent + 1)
  })
})
