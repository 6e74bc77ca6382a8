import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { createTestIssuer, generateTestKey, tamper, type TestIssuer } from '@scopeguard/testing'
import type { JWK } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { isOAuthError, type OAuthError } from './errors.js'
import type { IntrospectionOptions } from './introspection.js'
import type { Logger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import type { ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'
import type { Store, StoreKind } from './store.js'
import { hashToken } from './token-hash.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let privateJwk: JWK

beforeAll(async () => {
  const key = await generateTestKey('ES256')
  privateJwk = { ...key.privateKey.export({ format: 'jwk' }), alg: 'ES256', kid: key.kid }
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [
      { clientId: 'rs', clientSecret: 'secret' },
      { clientId: 'rs-key', jwks: { keys: [key.publicJwk] } },
    ],
  })
})
afterAll(async () => {
  await issuer.close()
})
beforeEach(() => {
  issuer.setFault('introspection', undefined)
  issuer.resetCounts()
})

interface LogCall {
  level: 'warn' | 'error'
  message: string
  details: Record<string, unknown> | undefined
}

function setup(
  introspection: Partial<IntrospectionOptions> = {},
  options: Partial<ResourceServerOptions> = {},
) {
  const calls: LogCall[] = []
  const logger: Logger = {
    warn: (message, details) => calls.push({ level: 'warn', message, details }),
    error: (message, details) => calls.push({ level: 'error', message, details }),
  }
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
      ...introspection,
    },
    logger,
    ...options,
  })
  return { rs, calls }
}

function bearer(token: string): RequestLike {
  return { method: 'GET', url: '/items', headers: { authorization: `Bearer ${token}` } }
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

/** A Store that records every call, around a memory store. */
function recordingStore(inner: Store = createMemoryStore()) {
  const ops: { op: string; key: string; value?: string; ttlMs?: number; kind: StoreKind }[] = []
  const store: Store = {
    get: (key, kind) => (ops.push({ op: 'get', key, kind }), inner.get(key, kind)),
    set: (key, value, ttlMs, kind) => (
      ops.push({ op: 'set', key, value, ttlMs, kind }),
      inner.set(key, value, ttlMs, kind)
    ),
    setIfAbsent: (key, value, ttlMs, kind) => (
      ops.push({ op: 'setIfAbsent', key, value, ttlMs, kind }),
      inner.setIfAbsent(key, value, ttlMs, kind)
    ),
    delete: (key, kind) => (ops.push({ op: 'delete', key, kind }), inner.delete(key, kind)),
  }
  return { store, ops }
}

/** A clock shared by the resource server and its store. */
function manualClock() {
  const clock = { ms: Date.now() }
  const now = (): number => clock.ms
  return { clock, now, store: createMemoryStore({ now }) }
}

describe('an active token', () => {
  it('becomes an opaque auth object with scopes, subject, client, actors and cnf', async () => {
    const { rs } = setup()
    // a certificate-bound token (RFC 8705): the request must present the certificate
    const certificate = new TextEncoder().encode('DER bytes of the client certificate')
    const thumbprint = createHash('sha256').update(certificate).digest('base64url')
    const token = issuer.issueOpaque(
      {
        sub: 'user-7',
        client_id: 'app-1',
        act: { sub: 'agent-a', client_id: 'svc', act: { sub: 'agent-b' } },
        cnf: { 'x5t#S256': thumbprint },
        unknown_member: { ignored: true },
      },
      { scope: 'items:read items:write' },
    )
    const auth = await rs.authenticate({ ...bearer(token), clientCertificate: certificate })
    expect(auth).toMatchObject({
      token,
      format: 'opaque',
      header: {},
      subject: 'user-7',
      clientId: 'app-1',
      issuer: issuer.issuer,
      audience: [AUDIENCE],
      scopes: ['items:read', 'items:write'],
      confirmation: { 'x5t#S256': thumbprint },
    })
    expect(auth.actors.map((actor) => [actor.subject, actor.clientId])).toEqual([
      ['agent-a', 'svc'],
      ['agent-b', undefined],
    ])
    expect(auth.expiresAt).toBe(auth.claims.exp)
    expect(auth.claims).not.toHaveProperty('active', false)
  })

  it('is asked for with a POST form carrying the token and Basic credentials', async () => {
    const { rs } = setup()
    const token = issuer.issueOpaque()
    await rs.authenticate(bearer(token))
    expect(issuer.introspectionRequests()).toEqual([
      {
        authorization: `Basic ${btoa('rs:secret')}`,
        form: { token, token_type_hint: 'access_token' },
        accept: 'application/json',
      },
    ])
  })
})

describe('an inactive or unacceptable token', () => {
  it('is a 401 invalid_token with reason inactive when unknown or revoked', async () => {
    const { rs } = setup({ cache: false })
    const token = issuer.issueOpaque()
    await rs.authenticate(bearer(token))
    issuer.revoke(token)
    for (const candidate of [token, 'never-issued']) {
      const error = await rejection(rs.authenticate(bearer(candidate)))
      expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'inactive' })
      expect(error.headers['WWW-Authenticate']).toContain('error="invalid_token"')
    }
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['for another audience', { aud: 'https://other.test' }, 'audience_mismatch'],
    ['from another issuer', { iss: 'https://evil.test' }, 'issuer_mismatch'],
    ['a refresh token', { token_type: 'refresh_token' }, 'unsupported_token_type'],
    ['not valid yet', { nbf: Math.floor(Date.now() / 1000) + 3600 }, 'not_yet_valid'],
  ])('is a 401 when active but %s', async (_, claims, reason) => {
    const { rs } = setup()
    const error = await rejection(rs.authenticate(bearer(issuer.issueOpaque(claims))))
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason })
  })

  it('is a 401 expired when active but past exp by the resource server clock', async () => {
    const { rs } = setup({}, { now: () => Date.now() + 120_000 })
    const token = issuer.issueOpaque({}, { expiresIn: 60 })
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({ status: 401, reason: 'expired' })
  })

  it('is a 401 expired when the endpoint says active with an exp in the past', async () => {
    const { rs } = setup()
    const exp = Math.floor(Date.now() / 1000) - 60
    issuer.setFault('introspection', { body: JSON.stringify({ active: true, exp }) })
    const error = await rejection(rs.authenticate(bearer('opaque')))
    expect(error).toMatchObject({ status: 401, reason: 'expired' })
  })
})

describe('a failing endpoint', () => {
  const token = 'some-opaque-token'

  async function expectUnavailable(
    introspection: Partial<IntrospectionOptions>,
    message: RegExp,
  ): Promise<void> {
    const { rs, calls } = setup({ cache: false, ...introspection })
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
      reason: 'introspection_unavailable',
    })
    expect(error.headers['WWW-Authenticate']).toBeUndefined()
    const errors = calls.filter((call) => call.level === 'error')
    expect(errors).toHaveLength(1)
    expect(errors[0]?.message).toMatch(message)
    expect(errors[0]?.details).toEqual({ issuer: issuer.issuer })
    expect(JSON.stringify(calls)).not.toContain(token)
  }

  it.each<[string, Parameters<TestIssuer['setFault']>[1], RegExp]>([
    ['answers 500', { status: 500 }, /answered 500/],
    [
      'answers HTML',
      { status: 200, body: '<html>', contentType: 'text/html' },
      /did not answer JSON/,
    ],
    ['answers a JSON array', { body: '[{"active":true}]' }, /did not answer a JSON object/],
    ['says active "true"', { body: '{"active":"true"}' }, /without a boolean "active"/],
    ['omits active', { body: '{"sub":"x"}' }, /without a boolean "active"/],
    ['drops the connection', { destroySocket: true }, /failed/],
  ])('is a 503 when the endpoint %s', async (_, fault, message) => {
    issuer.setFault('introspection', fault)
    await expectUnavailable({}, message)
  })

  it('is a 503 when the endpoint is slower than timeoutMs', async () => {
    // The endpoint hangs far longer than the test may run: only the timeout can answer (a broken
    // timeout shows as this test timing out, not as a millisecond bound).
    issuer.setFault('introspection', { delayMs: 120_000 })
    await expectUnavailable({ timeoutMs: 100 }, /timed out after 100 ms/)
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('is a 503, never a 401, when the endpoint refuses our credentials', async () => {
    await expectUnavailable(
      { clientSecret: 'wrong' },
      /refused this resource server's credentials \(401\)/,
    )
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('does not cache a failure', async () => {
    const { rs } = setup({ retryAfterMs: 0 })
    issuer.setFault('introspection', { status: 500 })
    await rejection(rs.authenticate(bearer(token)))
    issuer.setFault('introspection', undefined)
    const opaque = issuer.issueOpaque()
    await rejection(rs.authenticate(bearer(token)))
    await expect(rs.authenticate(bearer(opaque))).resolves.toMatchObject({ format: 'opaque' })
    expect(issuer.requestCount('introspection')).toBe(3)
  })
})

describe('client authentication', () => {
  it.each<[string, Partial<IntrospectionOptions>, (auth: string | undefined) => void]>([
    ['client_secret_basic', {}, (auth) => expect(auth).toMatch(/^Basic /)],
    [
      'client_secret_post',
      { authMethod: 'client_secret_post' },
      (auth) => expect(auth).toBeUndefined(),
    ],
  ])('works with %s', async (_, introspection, check) => {
    const { rs } = setup(introspection)
    await expect(rs.authenticate(bearer(issuer.issueOpaque()))).resolves.toBeDefined()
    const [request] = issuer.introspectionRequests()
    check(request?.authorization)
  })

  it('works with private_key_jwt, to the issuer or the endpoint as audience', async () => {
    for (const assertionAudience of [undefined, issuer.introspectionEndpoint]) {
      const { rs } = setup({
        clientId: 'rs-key',
        clientSecret: undefined,
        privateKey: privateJwk,
        ...(assertionAudience === undefined ? {} : { assertionAudience }),
      })
      await expect(rs.authenticate(bearer(issuer.issueOpaque()))).resolves.toBeDefined()
    }
    const forms = issuer.introspectionRequests().map((request) => request.form)
    expect(forms.map((form) => form.client_assertion_type)).toEqual([
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    ])
  })
})

describe('endpoint discovery', () => {
  it('takes introspection_endpoint from the issuer metadata when not configured', async () => {
    const { rs } = setup({ endpoint: undefined })
    await expect(rs.authenticate(bearer(issuer.issueOpaque()))).resolves.toBeDefined()
    await expect(rs.authenticate(bearer(issuer.issueOpaque()))).resolves.toBeDefined()
    expect(issuer.requestCount('metadata')).toBe(1)
    expect(issuer.requestCount('introspection')).toBe(2)
  })

  it('is a 503 with a logged reason when the metadata has no introspection_endpoint', async () => {
    const bare = await createTestIssuer({
      audience: AUDIENCE,
      metadata: { extra: { introspection_endpoint: undefined } },
      clients: [{ clientId: 'rs', clientSecret: 'secret' }],
    })
    try {
      const calls: LogCall[] = []
      const rs = createResourceServer({
        issuer: bare.issuer,
        audience: AUDIENCE,
        introspection: { clientId: 'rs', clientSecret: 'secret' },
        logger: {
          warn() {},
          error: (message) => calls.push({ level: 'error', message, details: {} }),
        },
      })
      const error = await rejection(rs.authenticate(bearer(bare.issueOpaque())))
      expect(error).toMatchObject({ status: 503, reason: 'introspection_unavailable' })
      expect(calls[0]?.message).toMatch(/no introspection_endpoint/)
      await expect(rs.warmUp()).rejects.toThrow(/no introspection_endpoint/)
    } finally {
      await bare.close()
    }
  })
})

describe('RFC 9701 JWT responses', () => {
  it('asks for and accepts a signed answer from the issuer', async () => {
    const { rs } = setup({ jwtResponse: true })
    const auth = await rs.authenticate(bearer(issuer.issueOpaque({}, { scope: 'a b' })))
    expect(auth.scopes).toEqual(['a', 'b'])
    expect(issuer.introspectionRequests()[0]?.accept).toBe('application/token-introspection+jwt')
    issuer.resetCounts()
    const inactive = await rejection(rs.authenticate(bearer('unknown')))
    expect(inactive).toMatchObject({ status: 401, reason: 'inactive' })
  })

  describe('crafted answers', () => {
    let server: Server
    let endpoint: string
    let answer: () => Promise<{ body: string; contentType?: string }>
    const received: { method: string; url: string; body: string; accept: string }[] = []

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = ''
        req.on('data', (chunk: Buffer) => (body += chunk.toString()))
        req.on('end', () => {
          received.push({
            method: req.method ?? '',
            url: req.url ?? '',
            body,
            accept: req.headers.accept ?? '',
          })
          void answer().then(({ body: text, contentType }) => {
            res.writeHead(200, {
              'content-type': contentType ?? 'application/token-introspection+jwt',
            })
            res.end(text)
          })
        })
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const address = server.address()
      endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/introspect`
    })
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve))
    })
    afterEach(() => {
      received.length = 0
    })

    const now = (): number => Math.floor(Date.now() / 1000)
    function signed(
      claims: Record<string, unknown> = {},
      options: Parameters<TestIssuer['sign']>[1] = {},
    ): Promise<string> {
      return issuer.sign(
        {
          iss: issuer.issuer,
          aud: 'rs',
          iat: now(),
          token_introspection: { active: true, sub: 'crafted', scope: 'x' },
          ...claims,
        },
        { defaults: false, typ: 'token-introspection+jwt', ...options },
      )
    }

    function craftedServer() {
      return setup({ endpoint, jwtResponse: true, cache: false })
    }

    it('accepts a well-formed answer, sent for a POSTed form with the token', async () => {
      answer = async () => ({ body: await signed() })
      const auth = await craftedServer().rs.authenticate(bearer('tok-1'))
      expect(auth).toMatchObject({ subject: 'crafted', scopes: ['x'], format: 'opaque' })
      expect(received).toEqual([
        {
          method: 'POST',
          url: '/introspect',
          body: 'token=tok-1&token_type_hint=access_token',
          accept: 'application/token-introspection+jwt',
        },
      ])
    })

    it.each<[string, () => Promise<{ body: string; contentType?: string }>]>([
      ['a wrong typ', async () => ({ body: await signed({}, { typ: 'at+jwt' }) })],
      ['no typ', async () => ({ body: await signed({}, { typ: null }) })],
      ['a wrong aud', async () => ({ body: await signed({ aud: 'other-client' }) })],
      ['a wrong iss', async () => ({ body: await signed({ iss: 'https://evil.test' }) })],
      ['no iat', async () => ({ body: await signed({ iat: undefined }) })],
      ['a bad signature', async () => ({ body: tamper(await signed()) })],
      [
        'a foreign key',
        async () => ({
          body: await signed({}, { privateKey: (await generateTestKey('RS256')).privateKey }),
        }),
      ],
      ['alg none', async () => ({ body: await signed({}, { alg: 'none' }) })],
      [
        'no token_introspection',
        async () => ({ body: await signed({ token_introspection: undefined }) }),
      ],
      [
        'a non-boolean active',
        async () => ({ body: await signed({ token_introspection: { active: 'true' } }) }),
      ],
      [
        'a plain JSON body',
        async () => ({ body: '{"active":true}', contentType: 'application/json' }),
      ],
    ])('is a 503 for an answer with %s', async (_, make) => {
      answer = make
      const { rs, calls } = craftedServer()
      const error = await rejection(rs.authenticate(bearer('tok-2')))
      expect(error).toMatchObject({ status: 503, reason: 'introspection_unavailable' })
      expect(calls.filter((call) => call.level === 'error')).toHaveLength(1)
    })
  })
})

describe('caching', () => {
  it('asks once within the TTL', async () => {
    const { rs } = setup()
    const token = issuer.issueOpaque()
    for (let i = 0; i < 3; i += 1) await rs.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('never keeps an entry past exp, and re-checks exp on a hit', async () => {
    const { clock, now, store } = manualClock()
    const recorded = recordingStore(store)
    const { rs } = setup({}, { now, store: recorded.store })
    const exp = Math.floor(clock.ms / 1000) + 10
    const token = issuer.issueOpaque({ exp })
    await rs.authenticate(bearer(token))
    const [set] = recorded.ops.filter((op) => op.op === 'set')
    // Until exp on the server's clock, although maxTtlSeconds (300) would allow longer.
    expect(set?.ttlMs).toBe(exp * 1000 - clock.ms)
    clock.ms += 9_000
    await rs.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(1)
    clock.ms += 7_000 // past exp (plus the 5 s tolerance): gone from the store
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({ status: 401, reason: 'expired' })
  })

  it('rejects an expired cached entry even if the store still holds it', async () => {
    let offset = 0
    const { rs } = setup({}, { now: () => Date.now() + offset })
    const token = issuer.issueOpaque({}, { expiresIn: 10 })
    await rs.authenticate(bearer(token))
    offset = 20_000 // the default store keeps real time, so the entry is still there
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({ status: 401, reason: 'expired' })
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('respects maxTtlSeconds', async () => {
    const { clock, now, store } = manualClock()
    const recorded = recordingStore(store)
    const { rs } = setup({ cache: { maxTtlSeconds: 30 } }, { now, store: recorded.store })
    const token = issuer.issueOpaque({}, { expiresIn: 3600 })
    await rs.authenticate(bearer(token))
    expect(recorded.ops.find((op) => op.op === 'set')?.ttlMs).toBe(30_000)
    clock.ms += 29_000
    await rs.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(1)
    clock.ms += 1_000
    await rs.authenticate(bearer(token))
    expect(issuer.requestCount('introspection')).toBe(2)
  })

  it('caches inactive results for negativeTtlSeconds', async () => {
    const { clock, now, store } = manualClock()
    const { rs } = setup({ cache: { negativeTtlSeconds: 2 } }, { now, store })
    for (let i = 0; i < 3; i += 1) await rejection(rs.authenticate(bearer('unknown-token')))
    expect(issuer.requestCount('introspection')).toBe(1)
    clock.ms += 2_000
    await rejection(rs.authenticate(bearer('unknown-token')))
    expect(issuer.requestCount('introspection')).toBe(2)
  })

  it('keeps a revoked token working until its entry expires, then refuses it', async () => {
    const { clock, now, store } = manualClock()
    const { rs } = setup({ cache: { maxTtlSeconds: 5 } }, { now, store })
    const token = issuer.issueOpaque()
    await rs.authenticate(bearer(token))
    issuer.revoke(token)
    await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    clock.ms += 5_000
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({ status: 401, reason: 'inactive' })
  })

  it('asks every time and never touches the store with cache: false', async () => {
    const recorded = recordingStore()
    const { rs } = setup({ cache: false }, { store: recorded.store })
    const token = issuer.issueOpaque()
    for (let i = 0; i < 3; i += 1) await rs.authenticate(bearer(token))
    await rejection(rs.authenticate(bearer('unknown')))
    expect(issuer.requestCount('introspection')).toBe(4)
    expect(recorded.ops).toEqual([])
  })

  it('makes one request for 50 concurrent lookups of one token', async () => {
    const { rs } = setup()
    const token = issuer.issueOpaque({ sub: 'many' })
    issuer.setFault('introspection', { delayMs: 100 })
    const results = await Promise.all(
      Array.from({ length: 50 }, () => rs.authenticate(bearer(token))),
    )
    expect(results.map((auth) => auth.subject)).toEqual(Array(50).fill('many'))
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('makes one request for 50 concurrent lookups that fail, and all get a 503', async () => {
    const { rs } = setup()
    issuer.setFault('introspection', { delayMs: 50, status: 500 })
    const errors = await Promise.all(
      Array.from({ length: 50 }, () => rejection(rs.authenticate(bearer('t')))),
    )
    expect(new Set(errors.map((error) => error.status))).toEqual(new Set([503]))
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('keys cache entries by one hash of who asks and the token, and never stores the raw token', async () => {
    const recorded = recordingStore()
    const { rs } = setup({}, { store: recorded.store })
    const token = issuer.issueOpaque()
    await rs.authenticate(bearer(token))
    await rejection(rs.authenticate(bearer('unknown-token-value')))
    const hash = await hashToken(token)
    expect(recorded.ops.map((op) => op.op)).toEqual(['get', 'set', 'get', 'set'])
    expect(recorded.ops.map((op) => op.kind)).toEqual(['cache', 'cache', 'cache', 'cache'])
    expect(recorded.ops[0]?.key).toMatch(/^introspection:v2:[\w-]{43}$/)
    expect(recorded.ops[0]?.key).not.toContain(hash)
    expect(recorded.ops[0]?.key).not.toContain(issuer.issuer)
    for (const op of recorded.ops) {
      for (const raw of [token, 'unknown-token-value']) {
        expect(op.key).not.toContain(raw)
        expect(op.value ?? '').not.toContain(raw)
      }
    }
  })

  it('keeps working by asking the endpoint when the store throws', async () => {
    const broken: Store = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.reject(new Error('store down')),
      setIfAbsent: () => Promise.reject(new Error('store down')),
      delete: () => Promise.reject(new Error('store down')),
    }
    // cache: false, or the second request would be served by the in-process verified-token cache
    // dpop: 'disabled', or the only warnings would include the one about publicOrigin
    const { rs, calls } = setup({}, { store: broken, cache: false, dpop: 'disabled' })
    const token = issuer.issueOpaque()
    await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    await expect(rs.authenticate(bearer(token))).resolves.toBeDefined()
    expect(issuer.requestCount('introspection')).toBe(2)
    expect(calls.filter((call) => call.level === 'warn').map((call) => call.message)).toEqual([
      expect.stringMatching(/cache read failed/),
      expect.stringMatching(/cache write failed/),
      expect.stringMatching(/cache read failed/),
      expect.stringMatching(/cache write failed/),
    ])
  })
})

describe('tokenFormat', () => {
  it("'auto' verifies JWTs locally and introspects the rest", async () => {
    const { rs } = setup()
    const jwt = await rs.authenticate(bearer(await issuer.sign()))
    expect(jwt.format).toBe('jwt')
    expect(issuer.requestCount('introspection')).toBe(0)
    const opaque = await rs.authenticate(bearer(issuer.issueOpaque()))
    expect(opaque.format).toBe('opaque')
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it("'opaque' introspects JWTs too, so revocation is honoured", async () => {
    const { rs } = setup({ cache: false }, { tokenFormat: 'opaque' })
    const token = await issuer.sign({ scope: 'a' })
    const auth = await rs.authenticate(bearer(token))
    expect(auth).toMatchObject({ format: 'opaque', scopes: ['a'], header: {} })
    expect(issuer.requestCount('introspection')).toBe(1)
    issuer.revoke(token)
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error).toMatchObject({ status: 401, reason: 'inactive' })
  })

  it("'jwt' rejects an opaque token as malformed without asking the endpoint", async () => {
    const { rs } = setup({}, { tokenFormat: 'jwt' })
    const error = await rejection(rs.authenticate(bearer(issuer.issueOpaque())))
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', reason: 'malformed_token' })
    expect(issuer.requestCount('introspection')).toBe(0)
  })
})
