import { createHash } from 'node:crypto'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import * as dpopClient from 'dpop'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isOAuthError } from './errors.js'
import type { RequestLike } from './request.js'
import { requireScope } from './requirements.js'
import { createResourceServer } from './resource-server.js'
import type { ResourceServerOptions } from './options.js'
import type { Store } from './store.js'
import { createVerifiedTokenCache } from './verified-token-cache.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let other: TestIssuer
beforeAll(async () => {
  ;[issuer, other] = await Promise.all([
    createTestIssuer({ audience: AUDIENCE }),
    createTestIssuer({ audience: AUDIENCE }),
  ])
})
afterAll(async () => {
  await Promise.all([issuer.close(), other.close()])
})
beforeEach(() => {
  issuer.resetCounts()
  issuer.setFault('introspection', undefined)
})

const request = (token: string, extra: Partial<RequestLike> = {}): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
  ...extra,
})

async function outcome(promise: Promise<unknown>): Promise<string> {
  const result = await promise.then(
    () => 'ok',
    (e: unknown) => e,
  )
  if (result === 'ok') return result
  return isOAuthError(result) ? `${result.status} ${result.reason}` : String(result)
}

/** A resource server whose JWKS fetches and validator runs are counted. */
function counted(options: Partial<ResourceServerOptions> = {}) {
  let verifications = 0
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    validators: [
      () => {
        verifications++
        return true
      },
    ],
    ...options,
  })
  return { rs, verifications: () => verifications }
}

describe('verified-token cache', () => {
  it('keeps a token from its second sighting on, and still builds a fresh auth object per request', async () => {
    const { rs, verifications } = counted()
    const token = await issuer.sign({ scope: 'files:read' })
    const first = await rs.authenticate(request(token))
    expect(verifications()).toBe(1)
    const second = await rs.authenticate(request(token)) // seen before: verified and kept
    expect(verifications()).toBe(2)
    const third = await rs.authenticate(request(token))
    const fourth = await rs.authenticate(request(token))
    expect(verifications()).toBe(2)
    expect(second).not.toBe(first)
    expect(fourth).not.toBe(third)
    expect(fourth).toEqual(first)
    expect(fourth.scopes).toEqual(['files:read'])
  })

  it('verifies every request with cache: false', async () => {
    const { rs, verifications } = counted({ cache: false })
    const token = await issuer.sign()
    for (let i = 0; i < 3; i++) await rs.authenticate(request(token))
    expect(verifications()).toBe(3)
  })

  it('checks the clock on every hit: a cached token expires on time (within the tolerance)', async () => {
    let clock = Date.now()
    const { rs, verifications } = counted({ now: () => clock, clockTolerance: 5 })
    const exp = Math.floor(clock / 1000) + 60
    const token = await issuer.sign({ exp })
    for (let i = 0; i < 2; i++) expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    clock = exp * 1000 + 4_000
    expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    expect(verifications()).toBe(2)
    clock = exp * 1000 + 5_000
    expect(await outcome(rs.authenticate(request(token)))).toBe('401 expired')
    clock = exp * 1000 + 4_000 // the clock going back does not resurrect a dropped entry
    expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    expect(verifications()).toBe(3)
  })

  it('never reuses an entry past maxTtlSeconds or past maxTokenAge', async () => {
    let clock = Date.now()
    const { rs, verifications } = counted({
      now: () => clock,
      cache: { maxTtlSeconds: 10 },
      maxTokenAge: 100,
      clockTolerance: 0,
    })
    const iat = Math.floor(clock / 1000)
    const token = await issuer.sign({ iat, exp: iat + 3600 })
    await rs.authenticate(request(token))
    await rs.authenticate(request(token))
    clock += 9_000
    await rs.authenticate(request(token))
    expect(verifications()).toBe(2)
    clock += 2_000 // 11 s after verification: past maxTtlSeconds, verified again
    await rs.authenticate(request(token))
    expect(verifications()).toBe(3)
    clock = (iat + 99) * 1000
    await rs.authenticate(request(token))
    clock = (iat + 101) * 1000 // too old although cached two seconds ago
    expect(await outcome(rs.authenticate(request(token)))).toBe('401 too_old')
  })

  it('does not use an entry before nbf when the clock moves back', async () => {
    let clock = Date.now()
    const { rs } = counted({ now: () => clock, clockTolerance: 0 })
    const nbf = Math.floor(clock / 1000) - 10
    const token = await issuer.sign({ nbf, iat: nbf })
    expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    clock = (nbf - 1) * 1000
    expect(await outcome(rs.authenticate(request(token)))).toBe('401 not_yet_valid')
  })

  it('drops a token revoked by value or by jti, on this instance and through a shared store', async () => {
    const { rs, verifications } = counted({ revocation: true })
    const byValue = await issuer.sign({ jti: 'cache-1' })
    const byJti = await issuer.sign({ jti: 'cache-2' })
    for (const token of [byValue, byValue, byJti, byJti]) await rs.authenticate(request(token))
    expect(verifications()).toBe(4) // both kept now
    const inAnHour = new Date(Date.now() + 3_600_000)
    await rs.revoke({ token: byValue, expiresAt: inAnHour })
    await rs.revoke({ jti: 'cache-2', expiresAt: inAnHour })
    expect(await outcome(rs.authenticate(request(byValue)))).toBe('401 revoked')
    expect(await outcome(rs.authenticate(request(byJti)))).toBe('401 revoked')
    expect(verifications()).toBe(6) // both entries were dropped: verified again, then refused
  })

  it('consults the denylist on a hit, so a revocation by another instance applies at once', async () => {
    const { createMemoryStore } = await import('./memory-store.js')
    const store = createMemoryStore()
    const a = counted({ revocation: true, store })
    const b = counted({ revocation: true, store })
    const token = await issuer.sign({ jti: 'cache-3' })
    for (let i = 0; i < 3; i++) await a.rs.authenticate(request(token))
    expect(a.verifications()).toBe(2)
    await b.rs.revoke({ token, expiresAt: new Date(Date.now() + 60_000) })
    expect(await outcome(a.rs.authenticate(request(token)))).toBe('401 revoked')
  })

  it('is bounded by maxEntries (least recently used evicted first)', async () => {
    const { rs, verifications } = counted({ cache: { maxEntries: 2 } })
    const [t1, t2, t3] = (await Promise.all([issuer.sign(), issuer.sign(), issuer.sign()])) as [
      string,
      string,
      string,
    ]
    for (const token of [t1, t1, t2, t2]) await rs.authenticate(request(token)) // both kept
    await rs.authenticate(request(t1)) // a hit: t1 is now the most recently used
    expect(verifications()).toBe(4)
    for (const token of [t3, t3]) await rs.authenticate(request(token)) // kept, evicting t2
    expect(verifications()).toBe(6)
    await rs.authenticate(request(t1)) // still kept
    expect(verifications()).toBe(6)
    await rs.authenticate(request(t2)) // evicted
    expect(verifications()).toBe(7)
  })

  it('still runs token binding on every hit (certificate-bound token, RFC 8705)', async () => {
    const certificate = new TextEncoder().encode('client certificate bytes')
    const x5t = createHash('sha256').update(certificate).digest('base64url')
    const { rs } = counted()
    const token = await issuer.sign({ cnf: { 'x5t#S256': x5t } })
    expect(await outcome(rs.authenticate(request(token, { clientCertificate: certificate })))).toBe(
      'ok',
    )
    expect(await outcome(rs.authenticate(request(token)))).toBe('401 certificate_binding')
    const wrong = new TextEncoder().encode('another certificate')
    expect(await outcome(rs.authenticate(request(token, { clientCertificate: wrong })))).toBe(
      '401 certificate_binding',
    )
  })

  it('still refuses a cached DPoP-bound token sent as Bearer (RFC 9449 §7.2)', async () => {
    const { rs } = counted()
    const token = await issuer.sign({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })
    for (let i = 0; i < 2; i++) {
      expect(await outcome(rs.authenticate(request(token)))).toBe('401 bearer_downgrade')
    }
  })

  it('checks the DPoP proof of a cached DPoP-bound token on every request (RFC 9449)', async () => {
    const key = await dpopClient.generateKeyPair('ES256')
    const jkt = await dpopClient.calculateThumbprint(key.publicKey)
    const { rs, verifications } = counted()
    const token = await issuer.sign({ cnf: { jkt } })
    const url = 'https://api.example.test/files'
    const dpopRequest = async (proofKey = key, method = 'GET'): Promise<RequestLike> => ({
      method,
      url: '/files',
      origin: 'https://api.example.test',
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopClient.generateProof(proofKey, url, method, undefined, token),
      },
    })
    const first = await dpopRequest()
    expect(await outcome(rs.authenticate(first))).toBe('ok')
    expect(await outcome(rs.authenticate(await dpopRequest()))).toBe('ok') // kept from here on
    expect(await outcome(rs.authenticate(await dpopRequest()))).toBe('ok')
    expect(verifications()).toBe(2) // the token's verification was reused…
    // …but not the proof checks: a replayed proof, another key, another method, no proof.
    expect(await outcome(rs.authenticate({ ...first }))).toBe('401 dpop_replay')
    const stranger = await dpopClient.generateKeyPair('ES256')
    expect(await outcome(rs.authenticate(await dpopRequest(stranger)))).toBe('401 dpop_binding')
    const post = await dpopRequest(key, 'POST')
    expect(await outcome(rs.authenticate({ ...post, method: 'GET' }))).toMatch(/^401 /)
    expect(
      await outcome(
        rs.authenticate({
          method: 'GET',
          url: '/files',
          headers: { authorization: `DPoP ${token}` },
        }),
      ),
    ).toMatch(/^40[01] /)
    expect(await outcome(rs.authenticate(request(token)))).toBe('401 bearer_downgrade')
    expect(verifications()).toBe(2)
  })

  it('leaves scope requirements to every request', async () => {
    const { rs } = counted()
    const token = await issuer.sign({ scope: 'files:read' })
    const auth = await rs.authenticate(request(token))
    expect(() => rs.authorize(auth, requireScope('files:read'))).not.toThrow()
    const again = await rs.authenticate(request(token))
    expect(() => rs.authorize(again, requireScope('files:write'))).toThrow(
      expect.objectContaining({ status: 403, code: 'insufficient_scope' }),
    )
  })

  it('never lets one issuer reuse a verification done by another (resolveIssuer tenants)', async () => {
    let tenant = issuer.issuer
    const rs = createResourceServer({
      issuers: [
        { issuer: issuer.issuer, audience: AUDIENCE },
        { issuer: other.issuer, audience: 'https://other.example.test' },
      ],
      resolveIssuer: () => tenant,
      logger: false,
    })
    const token = await issuer.sign()
    expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    tenant = other.issuer // the other tenant's keys and rules judge it, and refuse it
    expect(await outcome(rs.authenticate(request(token)))).toMatch(/^401 /)
    tenant = issuer.issuer
    expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
  })

  it('keeps per-server audiences apart: a token cached by one server is judged afresh by another', async () => {
    const a = counted()
    const b = counted({ audience: 'https://elsewhere.example.test' })
    const token = await issuer.sign()
    expect(await outcome(a.rs.authenticate(request(token)))).toBe('ok')
    expect(await outcome(b.rs.authenticate(request(token)))).toBe('401 audience_mismatch')
  })

  it('never caches a failed verification', async () => {
    const { rs, verifications } = counted({ validators: [() => false] })
    const token = await issuer.sign()
    for (let i = 0; i < 2; i++) {
      expect(await outcome(rs.authenticate(request(token)))).toBe('401 claim_validator')
    }
    expect(verifications()).toBe(0)
  })

  it('serves a cached opaque token from memory, within the introspection cache lifetime', async () => {
    let clock = Date.now()
    const introspection = {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
      cache: { maxTtlSeconds: 30 },
    }
    issuer.registerClient({ clientId: 'rs', clientSecret: 'secret' })
    const { createMemoryStore } = await import('./memory-store.js')
    let storeReads = 0
    const memory = createMemoryStore({ now: () => clock })
    const store: Store = { ...memory, get: (key, kind) => (storeReads++, memory.get(key, kind)) }
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      introspection,
      store,
      now: () => clock,
      logger: false,
    })
    const token = issuer.issueOpaque({ scope: 'files:read' }, { expiresIn: 3600 })
    for (let i = 0; i < 3; i++) expect(await outcome(rs.authenticate(request(token)))).toBe('ok')
    expect(issuer.requestCount('introspection')).toBe(1)
    const readsAfterFirst = storeReads
    await rs.authenticate(request(token))
    expect(storeReads).toBe(readsAfterFirst) // a hit touches neither the endpoint nor the store
    clock += 31_000 // past the introspection cache lifetime: asked again
    await rs.authenticate(request(token))
    expect(issuer.requestCount('introspection')).toBe(2)
  })

  it('does not keep opaque tokens when introspection.cache is false', async () => {
    issuer.registerClient({ clientId: 'rs2', clientSecret: 'secret' })
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        clientId: 'rs2',
        clientSecret: 'secret',
        cache: false,
      },
      logger: false,
    })
    const token = issuer.issueOpaque({}, { expiresIn: 3600 })
    await rs.authenticate(request(token))
    await rs.authenticate(request(token))
    expect(issuer.requestCount('introspection')).toBe(2)
  })

  it('rejects wrong cache options with actionable messages', () => {
    const base = { issuer: 'https://issuer.example.test', audience: AUDIENCE }
    expect(() => createResourceServer({ ...base, cache: { maxEntries: 0 } })).toThrow(
      /cache\.maxEntries must be a positive integer.*cache: false/,
    )
    expect(() => createResourceServer({ ...base, cache: { maxTtlSeconds: -1 } })).toThrow(
      /cache\.maxTtlSeconds must be a positive number/,
    )
    expect(() =>
      createResourceServer({ ...base, cache: { max: 5 } as unknown as { maxEntries: number } }),
    ).toThrow(/unknown option "cache\.max"/)
    expect(() =>
      createResourceServer({ ...base, cache: true as unknown as { maxEntries: number } }),
    ).toThrow(/cache must be false or/)
  })
})

describe('createVerifiedTokenCache', () => {
  it('keeps a token only when it comes back (tokens that never repeat never enter the LRU)', () => {
    const cache = createVerifiedTokenCache<string, number>({ clockTolerance: 0, now: Date.now })
    for (let i = 0; i < 5_000; i++) cache.set(`once-${i}`, 'o', i, {})
    expect(cache.size).toBe(0)
    cache.set('twice', 'o', 1, {})
    expect(cache.get('twice')).toBeUndefined()
    cache.set('twice', 'o', 1, {})
    expect(cache.get('twice')?.value).toBe(1)
  })

  it('keeps nothing whose limits leave no lifetime, and sweeps expired entries on get', () => {
    let clock = 1_000_000
    const cache = createVerifiedTokenCache<string, number>({
      clockTolerance: 0,
      now: () => clock,
    })
    for (let i = 0; i < 2; i++) {
      cache.set('expired', 'o', 1, { exp: clock / 1000 - 1 })
      cache.set('future', 'o', 2, { nbf: clock / 1000 + 10 })
      cache.set('bounded', 'o', 3, { exp: clock / 1000 + 100, notAfter: clock + 1000 })
    }
    expect(cache.size).toBe(1)
    expect(cache.get('bounded')?.value).toBe(3)
    clock += 1000
    expect(cache.get('bounded')).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('never answers for a different token that shares its lookup key (the last characters)', () => {
    const cache = createVerifiedTokenCache<string, string>({ clockTolerance: 0, now: Date.now })
    const tail = 'x'.repeat(60)
    const [a, b] = [`a.${tail}`, `b.${tail}`]
    cache.set(a, 'o', 'A', {})
    cache.set(a, 'o', 'A', {})
    expect(cache.get(b)).toBeUndefined()
    cache.delete(b) // not the same token: a stays
    expect(cache.get(a)?.value).toBe('A')
    cache.set(b, 'o', 'B', {})
    expect(cache.get(a)).toBeUndefined()
    expect(cache.get(b)?.value).toBe('B')
    expect(cache.get('short')).toBeUndefined()
    cache.set('short', 'o', 'S', {})
    cache.set('short', 'o', 'S', {})
    expect(cache.get('short')?.value).toBe('S')
  })

  it('holds at most maxEntries entries, however many distinct tokens pass', () => {
    const cache = createVerifiedTokenCache<string, number>({
      maxEntries: 100,
      clockTolerance: 0,
      now: Date.now,
    })
    for (let i = 0; i < 10_000; i++) {
      cache.set(`token-${i}`, 'o', i, {})
      cache.set(`token-${i}`, 'o', i, {})
    }
    expect(cache.size).toBe(100)
    expect(cache.get('token-9999')?.value).toBe(9999)
    expect(cache.get('token-0')).toBeUndefined()
  })
})
