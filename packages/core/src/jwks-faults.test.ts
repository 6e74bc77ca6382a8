import { createServer } from 'node:net'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { isOAuthError } from './errors.js'
import type { ScopeguardEvent } from './events.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'
import type { RemoteJwksTiming } from './remote-jwks.js'

/**
 * JWKS failure modes end to end: a resource server against a real loopback issuer whose JWKS
 * endpoint is down, slow, broken or rotating, on the real clock. Every token is freshly signed
 * so that no verified-token cache can hide the key source.
 */

const AUDIENCE = 'https://api.faults.test'
const issuers: TestIssuer[] = []
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
  ms: number
}

function serverFor(
  issuer: string,
  timing: RemoteJwksTiming,
  events?: ScopeguardEvent[],
): ResourceServer {
  return createResourceServer({
    issuer,
    audience: AUDIENCE,
    jwksUri: `${issuer}/jwks`,
    jwksTiming: timing,
    logger: silentLogger,
    ...(events ? { onEvent: (event: ScopeguardEvent) => events.push(event) } : {}),
  })
}

async function answer(rs: ResourceServer, token: string): Promise<Answer> {
  const request: RequestLike = {
    method: 'GET',
    url: '/files',
    headers: { authorization: `Bearer ${token}` },
  }
  const started = performance.now()
  try {
    await rs.authenticate(request)
    return { status: 200, ms: performance.now() - started }
  } catch (error) {
    if (!isOAuthError(error)) throw error
    return { status: error.status, ms: performance.now() - started }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('JWKS endpoint down at startup', () => {
  it('answers 503 fast while down, and 200 once the endpoint is up', async () => {
    const port = await closedPort()
    const origin = `http://127.0.0.1:${port}`
    const rs = serverFor(origin, { retryAfterMs: 100 })
    await expect(rs.warmUp()).rejects.toThrow(/cannot load signing keys/)
    // Any well-formed token: the keys cannot even be fetched.
    const early = await answer(rs, 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln')
    expect(early.status).toBe(503)
    expect(early.ms).toBeLessThan(2_000)
    const issuer = await startIssuer(port)
    await sleep(150)
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
  })
})

describe('JWKS endpoint slow past the timeout', () => {
  it('answers 503 within the timeout when nothing is cached', async () => {
    const issuer = await startIssuer()
    issuer.setFault('jwks', { delayMs: 3_000 })
    const rs = serverFor(issuer.issuer, { timeoutMs: 300 })
    const result = await answer(rs, await issuer.sign({}))
    expect(result.status).toBe(503)
    expect(result.ms).toBeGreaterThanOrEqual(250)
    expect(result.ms).toBeLessThan(2_500)
  })

  it('keeps answering 200 at cache speed from cached keys while the refresh hangs', async () => {
    const issuer = await startIssuer()
    const events: ScopeguardEvent[] = []
    const rs = serverFor(issuer.issuer, { timeoutMs: 2_000, maxAgeMs: 50, retryAfterMs: 0 }, events)
    expect((await answer(rs, await issuer.sign({}))).status).toBe(200)
    issuer.setFault('jwks', { delayMs: 3_000 })
    await sleep(80)
    const results: Answer[] = []
    for (let i = 0; i < 5; i++) results.push(await answer(rs, await issuer.sign({})))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    // Waiting for the hanging refresh would take 2 s (its timeout); cache speed is milliseconds.
    for (const result of results) expect(result.ms).toBeLessThan(1_000)
    await sleep(2_300)
    expect(events.some((e) => e.type === 'stale_keys_served')).toBe(true)
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
      for (let i = 0; i < 5; i++)
        expect((await answer(warm, await issuer.sign({}))).status).toBe(200)
      // An unknown kid meanwhile is the token's fault: 401, never 503.
      expect((await answer(warm, await issuer.sign({}, { kid: 'nope' }))).status).toBe(401)
    })
  }
})

describe('rotating keys', () => {
  it('picks up a new kid with one refetch, and stops accepting a removed key after maxAgeMs', async () => {
    const issuer = await startIssuer()
    const rs = serverFor(issuer.issuer, { maxAgeMs: 300, retryAfterMs: 0 })
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
    await sleep(350)
    // …the next request starts the background refresh; once it lands the old key is gone.
    await answer(rs, await issuer.sign({}))
    await sleep(200)
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
