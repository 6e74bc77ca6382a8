import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.example.test'
const HOUR = 3_600_000
let issuer: TestIssuer
let clock: number

beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
  })
})
afterAll(async () => {
  await issuer.close()
})
beforeEach(() => {
  issuer.resetCounts()
  clock = Date.now()
})

const request = (token: string): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
})

/** A server that introspects every opaque token at the discovered endpoint, on the test clock. */
function introspecting(options: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: { clientId: 'rs', clientSecret: 'secret', cache: false },
    tokenFormat: 'opaque',
    cache: false,
    dpop: 'disabled',
    logger: false,
    now: () => clock,
    ...options,
  } as ResourceServerOptions)
}

describe('metadataTiming.maxAgeMs', () => {
  const token = () => issuer.issueOpaque({ sub: 'u' }, { expiresIn: 10 * 24 * 3600 })

  it('keeps the metadata for 24 hours by default, then fetches it again', async () => {
    const rs = introspecting()
    const opaque = token()
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(1)
    clock += 24 * HOUR - 1
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(1)
    clock += 1
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(2)
    expect(issuer.requestCount('introspection')).toBe(3)
  })

  it('uses the configured lifetime instead', async () => {
    const rs = introspecting({ metadataTiming: { maxAgeMs: 60_000 } })
    const opaque = token()
    await rs.authenticate(request(opaque))
    clock += 59_999
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(1)
    clock += 1
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(2)
    clock += 60_000
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(3)
  })

  it('keeps a longer lifetime than the default', async () => {
    const rs = introspecting({ metadataTiming: { maxAgeMs: 7 * 24 * HOUR } })
    const opaque = token()
    await rs.authenticate(request(opaque))
    clock += 2 * 24 * HOUR
    await rs.authenticate(request(opaque))
    expect(issuer.requestCount('metadata')).toBe(1)
  })

  it('keeps the previous document while a refresh fails', async () => {
    const rs = introspecting({ metadataTiming: { maxAgeMs: 60_000 } })
    const opaque = token()
    await rs.authenticate(request(opaque))
    issuer.setFault('metadata', { status: 500 })
    try {
      clock += 60_000
      await expect(rs.authenticate(request(opaque))).resolves.toMatchObject({ subject: 'u' })
      expect(issuer.requestCount('metadata')).toBeGreaterThan(1)
    } finally {
      issuer.setFault('metadata', undefined)
    }
  })

  it('refuses a zero or negative lifetime at construction', () => {
    expect(() => introspecting({ metadataTiming: { maxAgeMs: 0 } })).toThrow(
      'metadataTiming.maxAgeMs must be a positive number',
    )
    expect(() => introspecting({ metadataTiming: { maxAgeMs: -1 } })).toThrow(
      'metadataTiming.maxAgeMs must be a positive number',
    )
  })
})

describe('jwksTiming.maxAgeMs with discovered keys', () => {
  it('refreshes keys after their lifetime, and the metadata only after its own', async () => {
    // Key fetches that have completed (the issuer counts a request when it arrives, before the
    // resource server has taken the answer in; a refresh still in flight absorbs the next one).
    let fetched = 0
    const rs = createResourceServer({
      onEvent: (event) => {
        if (event.type === 'key_fetch' && event.outcome === 'ok') fetched++
      },
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwksTiming: { maxAgeMs: 1_000 },
      metadataTiming: { maxAgeMs: 60_000 },
      cache: false,
      dpop: 'disabled',
      logger: false,
      now: () => clock,
    })
    const jwt = await issuer.sign({ sub: 'u' })
    await rs.authenticate(request(jwt))
    expect([issuer.requestCount('metadata'), issuer.requestCount('jwks')]).toEqual([1, 1])

    clock += 1_000
    await rs.authenticate(request(jwt))
    expect(issuer.requestCount('jwks')).toBe(1)
    clock += 1
    await rs.authenticate(request(jwt))
    await vi.waitFor(() => expect(fetched).toBe(2), { timeout: 10_000 })
    expect(issuer.requestCount('jwks')).toBe(2)
    expect(issuer.requestCount('metadata')).toBe(1)

    clock += 60_000
    await rs.authenticate(request(jwt))
    await vi.waitFor(() => expect(fetched).toBe(3), { timeout: 10_000 })
    expect(issuer.requestCount('jwks')).toBe(3)
    expect(issuer.requestCount('metadata')).toBe(2)
  })
})
