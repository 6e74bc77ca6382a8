import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isOAuthError } from './errors.js'
import { createEventSink, type ScopeguardEvent } from './events.js'
import type { Logger } from './logger.js'
import type { RequestLike } from './request.js'
import { requireScope } from './requirements.js'
import { requireAuthentication } from './step-up.js'
import { createResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.events.test'
let issuer: TestIssuer
let events: ScopeguardEvent[]
let warnings: string[]
const logger: Logger = { warn: (m) => warnings.push(m), error: () => {} }

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})
beforeEach(() => {
  events = []
  warnings = []
  issuer.setFault('jwks', undefined)
})

const request = (authorization?: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: authorization === undefined ? {} : { authorization },
})

function server(extra: Record<string, unknown> = {}) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger,
    onEvent: (event) => events.push(event),
    ...extra,
  })
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  try {
    return await promise
  } catch (error) {
    return error
  }
}

const ofType = (type: ScopeguardEvent['type']) => events.filter((e) => e.type === type)

describe('decision events', () => {
  it('reports an authenticated request with issuer, client, format and duration', async () => {
    const rs = server()
    await rs.authenticate(request(`Bearer ${await issuer.sign({ scope: 'files:read' })}`))
    const [event] = ofType('authenticated')
    expect(event).toMatchObject({
      type: 'authenticated',
      issuer: issuer.issuer,
      clientId: 'client-abc',
      format: 'jwt',
    })
    expect(event?.durationMs).toBeGreaterThanOrEqual(0)
  })

  it.each([
    ['expired', () => issuer.sign({}, { expiresIn: -600 }), 'expired'],
    ['bad audience', () => issuer.sign({ aud: 'https://other.test' }), 'audience_mismatch'],
    ['wrong issuer', () => issuer.sign({ iss: 'https://evil.test' }), 'issuer_mismatch'],
    ['unknown kid', () => issuer.sign({}, { kid: 'junk-kid' }), 'no_matching_key'],
    ['alg none', () => issuer.sign({}, { alg: 'none' }), 'algorithm_not_allowed'],
  ])('reports a rejected request (%s) with its reason code', async (_name, mint, reason) => {
    const rs = server()
    const error = await settle(rs.authenticate(request(`Bearer ${await mint()}`)))
    expect(isOAuthError(error)).toBe(true)
    const rejected = ofType('rejected')
    expect(rejected).toHaveLength(1)
    expect(rejected[0]).toMatchObject({ code: 'invalid_token', status: 401, reason })
  })

  it('reports a missing token and a malformed header', async () => {
    const rs = server()
    await settle(rs.authenticate(request()))
    await settle(rs.authenticate(request('Bearer a b')))
    expect(ofType('rejected')).toMatchObject([
      { code: 'missing_token', status: 401, reason: 'no_token' },
      { code: 'invalid_request', status: 400 },
    ])
  })

  it('reports a missing scope from authorize()', async () => {
    const rs = server()
    const auth = await rs.authenticate(request(`Bearer ${await issuer.sign({ scope: 'a' })}`))
    expect(() => rs.authorize(auth, requireScope('files:write'))).toThrow()
    expect(ofType('rejected')).toMatchObject([
      { code: 'insufficient_scope', status: 403, reason: 'missing_scope' },
    ])
  })

  it('reports a requirement run directly (as adapters do) once, and step-up refusals', async () => {
    const rs = server()
    const auth = await rs.authenticate(request(`Bearer ${await issuer.sign({ scope: 'a' })}`))
    expect(() => requireScope('files:write').check(auth)).toThrow()
    expect(() => requireAuthentication({ acrValues: ['mfa'] }).check(auth)).toThrow()
    expect(ofType('rejected')).toMatchObject([
      { code: 'insufficient_scope', status: 403, reason: 'missing_scope' },
      { code: 'insufficient_user_authentication', status: 401 },
    ])
  })

  it('reports upstream_unavailable for a 503 and key_fetch failures', async () => {
    issuer.setFault('jwks', { status: 500 })
    const rs = server({ jwksUri: issuer.jwksUri })
    const error = await settle(rs.authenticate(request(`Bearer ${await issuer.sign({})}`)))
    expect((error as { status?: number }).status).toBe(503)
    expect(ofType('upstream_unavailable')).toMatchObject([
      { code: 'temporarily_unavailable', status: 503 },
    ])
    expect(ofType('key_fetch')).toMatchObject([
      { outcome: 'failed', trigger: 'initial', url: issuer.jwksUri, issuer: issuer.issuer },
    ])
  })

  it('never puts the token into an event', async () => {
    const rs = server()
    const tokens = [
      await issuer.sign({ scope: 'files:read' }),
      await issuer.sign({}, { expiresIn: -600 }),
      await issuer.sign({}, { kid: 'junk' }),
    ]
    for (const token of tokens) await settle(rs.authenticate(request(`Bearer ${token}`)))
    const text = JSON.stringify(events)
    for (const token of tokens) {
      for (const part of token.split('.')) if (part.length > 8) expect(text).not.toContain(part)
    }
  })
})

describe('key events', () => {
  it('reports the initial fetch, cache hits, an unknown-kid refetch and stale keys', async () => {
    const rs = server({ jwksUri: issuer.jwksUri, jwksTiming: { maxAgeMs: 0, retryAfterMs: 0 } })
    const token = await issuer.sign({})
    await rs.authenticate(request(`Bearer ${token}`))
    expect(ofType('key_fetch')).toMatchObject([{ outcome: 'ok', trigger: 'initial' }])
    expect(ofType('cache')).toMatchObject([{ cache: 'jwks', hit: false }])
    const other = server({ jwksUri: issuer.jwksUri })
    await other.authenticate(request(`Bearer ${token}`))
    events = []
    await settle(other.authenticate(request(`Bearer ${await issuer.sign({}, { kid: 'new-kid' })}`)))
    expect(ofType('key_fetch')).toMatchObject([{ outcome: 'ok', trigger: 'unknown_kid' }])
    issuer.setFault('jwks', { status: 500 })
    events = []
    // Keys are past maxAgeMs (0): a background refresh fails and the cached keys stay in use.
    await rs.authenticate(request(`Bearer ${await issuer.sign({})}`))
    for (let i = 0; i < 50 && ofType('stale_keys_served').length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(ofType('cache')).toContainEqual(expect.objectContaining({ cache: 'jwks', hit: true }))
    expect(ofType('stale_keys_served')).toMatchObject([{ issuer: issuer.issuer }])
  })
})

describe('a failing handler', () => {
  it('never breaks a request, whether it throws or rejects', async () => {
    for (const onEvent of [
      () => {
        throw new Error('handler bug')
      },
      () => Promise.reject(new Error('async handler bug')) as unknown as void,
    ]) {
      const rs = server({ onEvent })
      const auth = await rs.authenticate(request(`Bearer ${await issuer.sign({ scope: 'x' })}`))
      expect(auth.scopes).toEqual(['x'])
      const error = await settle(rs.authenticate(request('Bearer a b')))
      expect((error as { status?: number }).status).toBe(400)
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(warnings.some((w) => w.includes('onEvent handler failed'))).toBe(true)
  })

  it('logs a failing handler the first time and then every thousandth time only', () => {
    const sink = createEventSink(() => {
      throw new Error('broken')
    }, logger)
    for (let i = 0; i < 2500; i++) sink.emit({ type: 'authenticated' })
    expect(warnings).toEqual([
      'the onEvent handler failed (1 time): broken',
      'the onEvent handler failed (1000 times): broken',
      'the onEvent handler failed (2000 times): broken',
    ])
  })

  it('createEventSink without a handler is disabled and does nothing', () => {
    const sink = createEventSink(undefined, logger)
    expect(sink.enabled).toBe(false)
    expect(() => sink.emit({ type: 'authenticated' })).not.toThrow()
  })

  it('rejects an onEvent that is not a function', () => {
    expect(() => server({ onEvent: 'log' })).toThrow(/onEvent must be a function/)
  })
})
