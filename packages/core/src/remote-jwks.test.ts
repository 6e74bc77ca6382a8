import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import type { JWSHeaderParameters } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isOAuthError, TemporarilyUnavailableError, type OAuthError } from './errors.js'
import type { KeySource } from './key-source.js'
import type { Logger } from './logger.js'
import { remoteJwksSource, type RemoteJwksTiming } from './remote-jwks.js'

const COOLDOWN = 30_000
const MAX_AGE = 600_000

let issuer: TestIssuer
let clock: number
let warnings: string[]
let errors: string[]
const logger: Logger = {
  warn: (message) => warnings.push(message),
  error: (message) => errors.push(message),
}

beforeEach(async () => {
  issuer = await createTestIssuer()
  clock = 1_700_000_000_000
  warnings = []
  errors = []
})
afterEach(async () => {
  await issuer.close()
})

function source(
  timing: RemoteJwksTiming = {},
  url: string | (() => Promise<string>) = issuer.jwksUri,
) {
  return remoteJwksSource({ url, fetch: globalThis.fetch, logger, now: () => clock, ...timing })
}

function headerFor(alg: 'RS256' | 'ES256' | 'EdDSA' = 'RS256'): JWSHeaderParameters {
  return { alg, kid: issuer.publicJwk(alg)['kid'] as string }
}

async function oauthRejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected an OAuthError')
}

const noMatchingKey = { code: 'ERR_JWKS_NO_MATCHING_KEY' }

describe('fetching and sharing', () => {
  it('cold start: 100 concurrent getKey calls cause exactly one JWKS fetch', async () => {
    const keys = source()
    const header = headerFor()
    const results = await Promise.all(Array.from({ length: 100 }, () => keys.getKey(header)))
    expect(issuer.requestCount('jwks')).toBe(1)
    expect(new Set(results).size).toBe(1)
    expect(results[0]).toMatchObject({ type: 'public', algorithm: { name: 'RSASSA-PKCS1-v1_5' } })
  })

  it('cold start: concurrent calls for different algorithms also share one fetch', async () => {
    const keys = source()
    const headers = [headerFor('RS256'), headerFor('ES256'), headerFor('EdDSA')]
    const results = await Promise.all(headers.flatMap((h) => [keys.getKey(h), keys.getKey(h)]))
    expect(results).toHaveLength(6)
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('serves later calls from the cache', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    clock += MAX_AGE - 1
    await keys.getKey(headerFor('ES256'))
    await keys.getKey(headerFor('EdDSA'))
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('resolves a url function lazily, before each fetch (so refreshed metadata is used)', async () => {
    let calls = 0
    const keys = source({}, async () => {
      calls += 1
      return issuer.jwksUri
    })
    expect(calls).toBe(0)
    await Promise.all([keys.getKey(headerFor()), keys.getKey(headerFor())])
    clock += COOLDOWN + 1
    expect(calls).toBe(1)
    await expect(keys.getKey({ alg: 'RS256', kid: 'unknown' })).rejects.toMatchObject(noMatchingKey)
    expect(calls).toBe(2)
    expect(issuer.requestCount('jwks')).toBe(2)
  })

  it('warmUp loads the keys, and getKey then needs no fetch', async () => {
    const keys = source()
    await keys.warmUp()
    expect(issuer.requestCount('jwks')).toBe(1)
    await keys.warmUp()
    await keys.getKey(headerFor())
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('ignores unusable keys in the served set', async () => {
    const good = issuer.publicJwk('RS256')
    issuer.setFault('jwks', {
      body: JSON.stringify({
        keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: good['kid'] }, { ...good, d: 'AQAB' }, good],
      }),
    })
    await expect(source().getKey(headerFor())).resolves.toMatchObject({ type: 'public' })
  })
})

describe('unknown kid: the refetch budget', () => {
  const rejectsNoKey = (keys: KeySource, kid: unknown) =>
    expect(keys.getKey({ alg: 'RS256', kid } as JWSHeaderParameters)).rejects.toMatchObject(
      noMatchingKey,
    )

  it('allows refetchBurst (3) refetches at once, then one per cooldownMs / 3', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    for (let i = 0; i < 10; i++) await rejectsNoKey(keys, `unknown-${i}`)
    expect(issuer.requestCount('jwks')).toBe(3)
    clock += COOLDOWN / 3 - 1
    await rejectsNoKey(keys, 'unknown-a')
    expect(issuer.requestCount('jwks')).toBe(3)
    clock += 1
    await rejectsNoKey(keys, 'unknown-b')
    await rejectsNoKey(keys, 'unknown-c')
    expect(issuer.requestCount('jwks')).toBe(4)
    clock += COOLDOWN
    for (let i = 0; i < 10; i++) await rejectsNoKey(keys, `later-${i}`)
    expect(issuer.requestCount('jwks')).toBe(7)
  })

  it('a kid a refetch did not find never spends the budget again within cooldownMs', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    for (let i = 0; i < 200; i++) await rejectsNoKey(keys, '../../../etc/passwd')
    expect(issuer.requestCount('jwks')).toBe(1)
    clock += COOLDOWN + 1
    await rejectsNoKey(keys, '../../../etc/passwd')
    expect(issuer.requestCount('jwks')).toBe(2)
  })

  it('a kid that is not a string never causes a refetch', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    for (const kid of [42, { $ne: null }, ['a'], true, null]) {
      await expect(
        keys.getKey({ alg: 'RS256', kid } as unknown as JWSHeaderParameters),
      ).rejects.toBeDefined()
    }
    expect(issuer.requestCount('jwks')).toBe(0)
  })

  it('a junk-kid flood does not use up the refetch a genuine rotation needs', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    // The flood repeats a few junk kids many times, concurrently.
    const flood = await Promise.allSettled(
      Array.from({ length: 300 }, (_, i) => keys.getKey({ alg: 'RS256', kid: `junk-${i % 2}` })),
    )
    expect(flood.every((o) => o.status === 'rejected')).toBe(true)
    for (let i = 0; i < 100; i++) await rejectsNoKey(keys, `junk-${i % 2}`)
    const spent = issuer.requestCount('jwks')
    expect(spent).toBeLessThanOrEqual(2)
    clock += 1_000
    const newKid = await issuer.rotateKey()
    await expect(keys.getKey({ alg: 'RS256', kid: newKid })).resolves.toMatchObject({
      type: 'public',
    })
    expect(issuer.requestCount('jwks')).toBe(spent + 1)
  })

  it('shares one refetch among concurrent requests with unknown kids', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => keys.getKey({ alg: 'RS256', kid: `unknown-${i % 5}` })),
    )
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true)
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('picks up a rotated key right away, with one fetch shared by concurrent requests', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    const newKid = await issuer.rotateKey()
    clock += 1_000
    issuer.resetCounts()
    const rotated = await Promise.all([
      keys.getKey({ alg: 'RS256', kid: newKid }),
      keys.getKey({ alg: 'RS256', kid: newKid }),
    ])
    expect(rotated[0]).toMatchObject({ type: 'public' })
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('a distinct-kid flood spends the budget, but its refetches pick up a new key', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.resetCounts()
    for (let i = 0; i < 20; i++) await rejectsNoKey(keys, `distinct-${i}`)
    expect(issuer.requestCount('jwks')).toBe(3)
    const newKid = await issuer.rotateKey()
    // Budget spent: the genuine kid waits for the next refetch…
    await rejectsNoKey(keys, newKid)
    clock += COOLDOWN / 3
    // …which the flood itself may trigger; it fetches the new key for everyone.
    await rejectsNoKey(keys, 'distinct-next')
    expect(issuer.requestCount('jwks')).toBe(4)
    await expect(keys.getKey({ alg: 'RS256', kid: newKid })).resolves.toMatchObject({
      type: 'public',
    })
    expect(issuer.requestCount('jwks')).toBe(4)
  })

  it('honours a custom cooldown and burst', async () => {
    const keys = source({ cooldownMs: 10, refetchBurst: 1 })
    await keys.getKey(headerFor())
    await rejectsNoKey(keys, 'x')
    await rejectsNoKey(keys, 'y')
    expect(issuer.requestCount('jwks')).toBe(2)
    clock += 11
    await rejectsNoKey(keys, 'z')
    expect(issuer.requestCount('jwks')).toBe(3)
  })
})

describe('outages', () => {
  it('answers 503 when the endpoint is down and nothing is cached; warmUp says why', async () => {
    issuer.setFault('jwks', { status: 503 })
    const keys = source()
    const error = await oauthRejection(keys.getKey(headerFor()))
    expect(error).toBeInstanceOf(TemporarilyUnavailableError)
    expect(error.status).toBe(503)
    expect(error.code).toBe('temporarily_unavailable')
    expect(error.reason).toBe('key_source_unavailable')
    expect(error.headers).not.toHaveProperty('WWW-Authenticate')
    expect(String((error.cause as Error).message)).toContain('answered 503')
    expect(error.description).not.toContain(issuer.jwksUri)
    expect(errors).toEqual([`cannot load signing keys: GET ${issuer.jwksUri} answered 503`])

    const warm = keys.warmUp()
    await expect(warm).rejects.toThrow(
      `scopeguard: cannot load signing keys: GET ${issuer.jwksUri} answered 503`,
    )
    await expect(warm).rejects.not.toSatisfy(isOAuthError)
  })

  it.each([
    ['a body that is not JSON', { body: '<html>' }, 'did not answer JSON'],
    [
      'a JSON document that is not a JWK Set',
      { body: '{"keys":"none"}' },
      'did not answer a JWK Set',
    ],
    ['a dropped connection', { destroySocket: true }, 'failed'],
  ])('answers 503 for %s', async (_what, fault, message) => {
    issuer.setFault('jwks', fault)
    const keys = source()
    expect(((await oauthRejection(keys.getKey(headerFor()))).cause as Error).message).toContain(
      message,
    )
    await expect(keys.warmUp()).rejects.toThrow(message)
  })

  it('times out a slow endpoint with a 503', async () => {
    // The endpoint hangs far longer than the test may run: only the timeout can answer (a broken
    // timeout shows as this test timing out, not as a millisecond bound).
    issuer.setFault('jwks', { delayMs: 120_000 })
    const error = await oauthRejection(source({ timeoutMs: 100 }).getKey(headerFor()))
    expect(error.status).toBe(503)
    expect((error.cause as Error).message).toContain('timed out after 100 ms')
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('after a failure, answers 503 without refetching for retryAfterMs, then retries', async () => {
    issuer.setFault('jwks', { status: 500 })
    const keys = source({ retryAfterMs: 1_000 })
    await oauthRejection(keys.getKey(headerFor()))
    clock += 999
    expect((await oauthRejection(keys.getKey(headerFor()))).status).toBe(503)
    expect(issuer.requestCount('jwks')).toBe(1)
    issuer.setFault('jwks', undefined)
    clock += 1
    await expect(keys.getKey(headerFor())).resolves.toMatchObject({ type: 'public' })
    expect(issuer.requestCount('jwks')).toBe(2)
  })

  it('concurrent requests during an outage share one failing fetch', async () => {
    issuer.setFault('jwks', { status: 500 })
    const keys = source()
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => keys.getKey(headerFor())),
    )
    expect(outcomes.every((o) => o.status === 'rejected' && isOAuthError(o.reason))).toBe(true)
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('keeps using cached keys when the endpoint fails later', async () => {
    const keys = source()
    const key = await keys.getKey(headerFor())
    issuer.setFault('jwks', { status: 500 })
    clock += MAX_AGE + 1
    // a stale request triggers a background refresh, which fails; the cached key still works
    expect(await keys.getKey(headerFor())).toBe(key)
    await vi.waitFor(() => expect(warnings).toHaveLength(1), { timeout: 5_000 })
    expect(warnings[0]).toBe(
      `JWKS refresh failed; still using the cached keys: GET ${issuer.jwksUri} answered 500`,
    )
    expect(await keys.getKey(headerFor())).toBe(key)
    expect(issuer.requestCount('jwks')).toBe(2)
    expect(errors).toEqual([])
  })

  it('an unknown kid during an outage with cached keys is a 401 matter, not a 503', async () => {
    const keys = source()
    await keys.getKey(headerFor())
    issuer.setFault('jwks', { destroySocket: true })
    clock += COOLDOWN + 1
    await expect(keys.getKey({ alg: 'RS256', kid: 'unknown' })).rejects.toMatchObject(noMatchingKey)
    expect(issuer.requestCount('jwks')).toBe(2)
    await expect(keys.warmUp()).resolves.toBeUndefined()
  })
})

describe('stale keys (stale-while-revalidate)', () => {
  it('a request after maxAgeMs returns the cached key at once and one background fetch happens', async () => {
    let held: Promise<void> | undefined
    let fetchesStarted = 0
    const gated: typeof fetch = async (input, init) => {
      fetchesStarted++
      if (held !== undefined) await held
      return globalThis.fetch(input, init)
    }
    const keys: KeySource = remoteJwksSource({
      url: issuer.jwksUri,
      fetch: gated,
      logger,
      now: () => clock,
    })
    const oldHeader = headerFor()
    const oldKey = await keys.getKey(oldHeader)
    const newKid = await issuer.rotateKey()
    clock += MAX_AGE + 1

    // The background fetch is held until released: every answer below comes before it lands.
    let release: () => void = () => {}
    const hold = new Promise<void>((resolve) => (release = resolve))
    held = hold
    const stale = await Promise.all(
      Array.from({ length: 10 }, () => keys.getKey(headerFor('ES256'))),
    )
    expect(await keys.getKey(oldHeader)).toBe(oldKey)
    expect(new Set(stale).size).toBe(1)
    expect(fetchesStarted).toBe(2)
    release()

    await vi.waitFor(() => expect(issuer.requestCount('jwks')).toBe(2), { timeout: 5_000 })
    // the new key arrives with the background fetch; asking for it joins that fetch
    await expect(keys.getKey({ alg: 'RS256', kid: newKid })).resolves.toMatchObject({
      type: 'public',
    })
    expect(issuer.requestCount('jwks')).toBe(2)
    // and the refreshed set is fresh again: no more fetches
    await keys.getKey({ alg: 'RS256', kid: newKid })
    expect(issuer.requestCount('jwks')).toBe(2)
    expect(warnings).toEqual([])
  })

  it('does not refresh keys younger than maxAgeMs', async () => {
    const keys = source({ maxAgeMs: 60_000 })
    await keys.getKey(headerFor())
    clock += 60_000
    await keys.getKey(headerFor())
    expect(issuer.requestCount('jwks')).toBe(1)
    clock += 1
    await keys.getKey(headerFor())
    await vi.waitFor(() => expect(issuer.requestCount('jwks')).toBe(2), { timeout: 5_000 })
  })
})
