import type { Server } from 'node:http'
import {
  createResourceServer,
  InsufficientScopeError,
  requireScope as coreRequireScope,
  type ResourceServer,
} from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { protect, requireScope as expressRequireScope } from '@scopeguard/express'
import { createTestIssuer, rawRequest, tamper, type TestIssuer } from '@scopeguard/testing'
import express from 'express'
import passportStatic from 'passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  errorHandler,
  getAuth,
  getAuthError,
  hasAuth,
  requireAnyScope,
  requireClaim,
  requirement,
  requireScope,
  ScopeguardStrategy,
} from '../src/index.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

interface Listening {
  origin: string
  close(): Promise<void>
}

async function listen(app: express.Express): Promise<Listening> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/**
 * The Express adapter test app, rebuilt on Passport: `failWithError: true` plus `errorHandler()`
 * (the recommended setup) or Passport's default failure response.
 */
function buildApp(rs: ResourceServer, mode: 'json' | 'passport-default'): express.Express {
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(rs))
  passport.use(
    new ScopeguardStrategy({ resourceServer: rs, name: 'scopeguard-optional', optional: true }),
  )
  passport.use(
    new ScopeguardStrategy({ resourceServer: rs, name: 'scopeguard-image', query: 'ssoToken' }),
  )
  passport.use(new ScopeguardStrategy({ resourceServer: rs, name: 'scopeguard-form', body: true }))
  const options = { session: false, failWithError: mode === 'json' }
  const guard = passport.authenticate('scopeguard', options)
  const app = express()
  app.get('/files', guard, requireScope('files:read'), (req, res) => {
    res.json({ sub: getAuth(req).subject, scopes: (req.user as { scopes: string[] }).scopes })
  })
  app.post('/files', guard, requireScope('files:write'), (_req, res) => {
    res.status(201).json({ created: true })
  })
  app.get('/any', guard, requireAnyScope('files:read', 'account:read'), (_req, res) => {
    res.json({ ok: true })
  })
  app.get('/acme', guard, requireClaim('tenant', 'acme'), (_req, res) => {
    res.json({ ok: true })
  })
  app.get(
    '/admins',
    guard,
    requireClaim('roles', { includes: 'admin' }, { description: 'Administrators only' }),
    (_req, res) => {
      res.json({ ok: true })
    },
  )
  app.get('/optional', passport.authenticate('scopeguard-optional', options), (req, res) => {
    res.json({ anonymous: !hasAuth(req), user: req.user === undefined ? null : 'set' })
  })
  app.get(
    '/image',
    passport.authenticate('scopeguard-image', options),
    requireScope('files'),
    (_req, res) => {
      res.json({ image: true })
    },
  )
  app.post(
    '/form',
    express.urlencoded({ extended: false }),
    passport.authenticate('scopeguard-form', options),
    (req, res) => {
      res.json({ source: getAuth(req).source })
    },
  )
  app.get('/unprotected-but-asks', (req, res) => {
    res.json({ sub: getAuth(req).subject })
  })
  const passOn = express.Router()
  passOn.get('/files', guard, requirement(coreRequireScope('files:write'), { errors: 'next' }))
  passOn.use(errorHandler())
  app.use('/next', passOn)
  const appHandler = express.Router()
  appHandler.get(
    '/files',
    passport.authenticate('scopeguard', { session: false, failWithError: true }),
  )
  appHandler.use(((error, req, res, _next) => {
    const failure = getAuthError(req)
    res.status(500).json({
      error: 'server_error',
      name: (error as Error).name,
      status: (error as { status?: number }).status,
      scopeguard: failure?.code,
    })
  }) as express.ErrorRequestHandler)
  app.use('/plain', appHandler)
  app.use(errorHandler())
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: 'server_error', message: (error as Error).message })
  }) as express.ErrorRequestHandler)
  return app
}

interface Answer {
  status: number
  challenge: string | null
  cacheControl: string | null
  contentType: string | null
  body: Record<string, unknown>
  text: string
}

async function call(origin: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(origin + path, init)
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON: left empty, tests that care read `text`
  }
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    cacheControl: response.headers.get('cache-control'),
    contentType: response.headers.get('content-type'),
    body,
    text,
  }
}

const withToken = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
})

/** The DPoP challenge (RFC 9449 §7.1) that follows Bearer's, as the default `dpop: 'allowed'` sends. */
const DPOP_CHALLENGE =
  'DPoP realm="api", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"'

function challengeParams(answer: Answer): Record<string, string> {
  const [challenge, ...others] = parseChallenges(answer.challenge ?? '')
  expect(others.map((other) => other.scheme)).toEqual(['DPoP'])
  expect(challenge?.scheme).toBe('Bearer')
  return { ...challenge?.params }
}

describe('Express 5 + Passport with failWithError and errorHandler()', () => {
  let server: Listening
  const get = (path: string, init?: RequestInit): Promise<Answer> => call(server.origin, path, init)
  beforeAll(async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
    server = await listen(buildApp(rs, 'json'))
  })
  afterAll(async () => {
    await server.close()
  })

  it('lets a valid token through and sets req.user to the auth object', async () => {
    const answer = await get('/files', withToken(await issuer.sign({ scope: 'files:read' })))
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ sub: 'user-123', scopes: ['files:read'] })
  })

  it('answers a request without a token with 401 and a challenge without an error code', async () => {
    const answer = await get('/files')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toBe(`Bearer realm="api", ${DPOP_CHALLENGE}`)
    expect(answer.body).toEqual({
      error: 'missing_token',
      error_description: 'No access token was provided',
    })
    expect(answer.cacheControl).toBe('no-store')
  })

  it('treats another scheme (Basic) as no token: 401 without an error code', async () => {
    const answer = await get('/files', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expect(answer.status).toBe(401)
    expect(challengeParams(answer)).toEqual({ realm: 'api' })
  })

  const invalid: [string, () => Promise<string>, string][] = [
    [
      'a tampered signature',
      async () => tamper(await issuer.sign({ scope: 'files:read' })),
      'The access token signature is invalid',
    ],
    [
      'an expired token',
      () => issuer.sign({ scope: 'files:read' }, { expiresIn: -60 }),
      'The access token expired',
    ],
    [
      'a token for another audience',
      () => issuer.sign({ aud: 'https://other.example' }),
      'The access token is not meant for this resource server',
    ],
    [
      'a token from another issuer',
      () => issuer.sign({ iss: 'https://evil.example' }),
      'The access token was not issued by an accepted issuer',
    ],
    [
      'a token that is not valid yet',
      () => issuer.sign({ nbf: Math.floor(Date.now() / 1000) + 600 }),
      'The access token is not valid yet',
    ],
    [
      'a token with alg none',
      () => issuer.sign({}, { alg: 'none' }),
      'The access token is signed with an algorithm that is not accepted',
    ],
    ['a token that is not a JWT', async () => 'not-a-jwt', 'The access token is malformed'],
  ]
  for (const [label, make, description] of invalid) {
    it(`answers ${label} with 401 invalid_token`, async () => {
      const token = await make()
      const answer = await get('/files', withToken(token))
      expect(answer.status).toBe(401)
      expect(challengeParams(answer)).toEqual({
        realm: 'api',
        error: 'invalid_token',
        error_description: description,
      })
      expect(answer.body).toEqual({ error: 'invalid_token', error_description: description })
      expect(answer.cacheControl).toBe('no-store')
      expect(answer.text).not.toContain(token)
    })
  }

  it('answers a malformed Authorization header with 400 invalid_request and its challenge', async () => {
    const answer = await get('/files', { headers: { authorization: 'Bearer a b' } })
    expect(answer.status).toBe(400)
    expect(challengeParams(answer)).toMatchObject({ realm: 'api', error: 'invalid_request' })
    expect(answer.body['error']).toBe('invalid_request')
    expect(answer.cacheControl).toBe('no-store')
  })

  it('answers two Authorization headers with 400 invalid_request', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const answer = await rawRequest(server.origin, {
      path: '/files',
      headers: [
        ['Authorization', `Bearer ${token}`],
        ['Authorization', `Bearer ${token}`],
      ],
    })
    expect(answer.status).toBe(400)
    expect(answer.headers['www-authenticate']).toHaveLength(1)
    expect(answer.headers['www-authenticate']?.[0]).toContain('error="invalid_request"')
    expect(answer.body).not.toContain(token)
  })

  it('answers a missing scope with 403 insufficient_scope naming the required scope', async () => {
    const answer = await get('/files', {
      method: 'POST',
      ...withToken(await issuer.sign({ scope: 'files:read' })),
    })
    expect(answer.status).toBe(403)
    expect(challengeParams(answer)).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:write',
    })
    expect(answer.body['error']).toBe('insufficient_scope')
    expect(answer.cacheControl).toBe('no-store')
  })

  it('accepts any one of the scopes of requireAnyScope', async () => {
    expect(
      (await get('/any', withToken(await issuer.sign({ scope: 'account:read' })))).status,
    ).toBe(200)
    const denied = await get('/any', withToken(await issuer.sign({ scope: 'other' })))
    expect(denied.status).toBe(403)
    expect(challengeParams(denied)['scope']).toBe('files:read account:read')
  })

  it('checks claim includes over a space-separated string or an array, with a custom description', async () => {
    for (const roles of ['user admin', ['admin']]) {
      expect((await get('/admins', withToken(await issuer.sign({ roles })))).status).toBe(200)
    }
    const denied = await get(
      '/admins',
      withToken(await issuer.sign({ roles: 'user administrator' })),
    )
    expect(denied.status).toBe(403)
    expect(challengeParams(denied)).toMatchObject({
      error: 'insufficient_scope',
      error_description: 'Administrators only',
    })
  })

  it('answers a failed claim requirement with 403, not 401', async () => {
    expect((await get('/acme', withToken(await issuer.sign({ tenant: 'acme' })))).status).toBe(200)
    const denied = await get('/acme', withToken(await issuer.sign({ tenant: 'globex' })))
    expect(denied.status).toBe(403)
    expect(challengeParams(denied)['error']).toBe('insufficient_scope')
  })

  it('lets anonymous requests through an optional strategy but still rejects bad tokens', async () => {
    expect((await get('/optional')).body).toEqual({ anonymous: true, user: null })
    expect((await get('/optional', withToken(await issuer.sign()))).body).toEqual({
      anonymous: false,
      user: 'set',
    })
    const bad = await get('/optional', withToken(tamper(await issuer.sign())))
    expect(bad.status).toBe(401)
    expect(bad.body['error']).toBe('invalid_token')
  })

  it('reads a query token only where enabled, and marks the response private', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await get(`/image?ssoToken=${token}`)
    expect(answer.status).toBe(200)
    expect(answer.cacheControl).toBe('private')
    expect((await get(`/files?access_token=${token}`)).status).toBe(401)
  })

  it('answers a token in the header and the query with 400', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await get(`/image?ssoToken=${token}`, withToken(token))
    expect(answer.status).toBe(400)
    expect(answer.body['error']).toBe('invalid_request')
  })

  it('reads a form body token on a POST where enabled', async () => {
    const token = await issuer.sign()
    const answer = await get('/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${token}&x=1`,
    })
    expect(answer.body).toEqual({ source: 'body' })
    const json = await get('/form', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token }),
    })
    expect(json.status).toBe(401)
  })

  it('passes requirement errors to errorHandler() with { errors: "next" } and renders them identically', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const direct = await get('/files', { method: 'POST', ...withToken(token) })
    const viaNext = await get('/next/files', withToken(token))
    expect(viaNext.status).toBe(403)
    expect(viaNext.challenge).toBe(direct.challenge)
    expect(viaNext.body).toEqual(direct.body)
  })

  it("hands Passport's AuthenticationError to the app error handler, with the scopeguard error on the request", async () => {
    const answer = await get('/plain/files', withToken(tamper(await issuer.sign())))
    expect(answer.body).toEqual({
      error: 'server_error',
      name: 'AuthenticationError',
      status: 401,
      scopeguard: 'invalid_token',
    })
  })

  it('fails loudly when a handler asks for auth on a route without the strategy', async () => {
    const answer = await get('/unprotected-but-asks', withToken(await issuer.sign()))
    expect(answer.status).toBe(500)
    expect(answer.body['message']).toMatch(/register passport\.authenticate\('scopeguard'/)
  })
})

describe("Express 5 + Passport's default failure response", () => {
  let server: Listening
  const get = (path: string, init?: RequestInit): Promise<Answer> => call(server.origin, path, init)
  beforeAll(async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
    server = await listen(buildApp(rs, 'passport-default'))
  })
  afterAll(async () => {
    await server.close()
  })

  it("sends the status, challenge and no-store, with Passport's text body", async () => {
    const missing = await get('/files')
    expect([missing.status, missing.challenge, missing.cacheControl, missing.text]).toEqual([
      401,
      `Bearer realm="api", ${DPOP_CHALLENGE}`,
      'no-store',
      'Unauthorized',
    ])
    const invalid = await get('/files', withToken(tamper(await issuer.sign())))
    expect(invalid.status).toBe(401)
    expect(challengeParams(invalid)).toEqual({
      realm: 'api',
      error: 'invalid_token',
      error_description: 'The access token signature is invalid',
    })
    expect(invalid.text).toBe('Unauthorized')
  })

  it('sends the invalid_request challenge on a 400, which Passport alone would not', async () => {
    const answer = await get('/files', { headers: { authorization: 'Bearer a b' } })
    expect(answer.status).toBe(400)
    expect(challengeParams(answer)).toMatchObject({ error: 'invalid_request' })
    expect(answer.cacheControl).toBe('no-store')
    expect(answer.text).toBe('Bad Request')
  })

  it('still answers scope failures of requireScope as JSON', async () => {
    const answer = await get('/files', {
      method: 'POST',
      ...withToken(await issuer.sign({ scope: 'files:read' })),
    })
    expect(answer.status).toBe(403)
    expect(answer.body['error']).toBe('insufficient_scope')
  })
})

describe('the recommended setup answers byte for byte like @scopeguard/express', () => {
  let viaPassport: Listening
  let viaExpress: Listening
  beforeAll(async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
    viaPassport = await listen(buildApp(rs, 'json'))
    const app = express()
    app.get('/files', protect(rs), expressRequireScope('files:read'), (_req, res) => {
      res.json({ ok: true })
    })
    app.post('/files', protect(rs), expressRequireScope('files:write'), (_req, res) => {
      res.json({ ok: true })
    })
    viaExpress = await listen(app)
  })
  afterAll(async () => {
    await viaPassport.close()
    await viaExpress.close()
  })

  const requests: [string, () => Promise<{ method?: string; headers: [string, string][] }>][] = [
    ['no token', async () => ({ headers: [] })],
    ['a Basic header', async () => ({ headers: [['Authorization', 'Basic dXNlcjpwYXNz']] })],
    ['Bearer with two words', async () => ({ headers: [['Authorization', 'Bearer a b']] })],
    ['Bearer with nothing', async () => ({ headers: [['Authorization', 'Bearer']] })],
    [
      'two Authorization headers',
      async () => {
        const token = await issuer.sign({ scope: 'files:read' })
        return {
          headers: [
            ['Authorization', `Bearer ${token}`],
            ['Authorization', `Bearer ${token}`],
          ],
        }
      },
    ],
    [
      'a tampered token',
      async () => ({ headers: [['Authorization', `Bearer ${tamper(await issuer.sign())}`]] }),
    ],
    [
      'an expired token',
      async () => ({
        headers: [['Authorization', `Bearer ${await issuer.sign({}, { expiresIn: -60 })}`]],
      }),
    ],
    [
      'a missing scope on a POST',
      async () => ({
        method: 'POST',
        headers: [['Authorization', `Bearer ${await issuer.sign({ scope: 'files:read' })}`]],
      }),
    ],
  ]
  for (const [label, make] of requests) {
    it(`answers ${label} identically`, async () => {
      const { method = 'GET', headers } = await make()
      const [a, b] = await Promise.all(
        [viaPassport, viaExpress].map((s) =>
          rawRequest(s.origin, { method, path: '/files', headers }),
        ),
      )
      const view = (r: NonNullable<typeof a>) => ({
        status: r.status,
        'www-authenticate': r.headers['www-authenticate'],
        'cache-control': r.headers['cache-control'],
        'content-type': r.headers['content-type'],
        'content-length': r.headers['content-length'],
        etag: r.headers['etag'],
        body: r.body,
      })
      expect(a && view(a)).toEqual(b && view(b))
      expect(a?.status).toBeGreaterThanOrEqual(400)
    })
  }
})

describe('verify callbacks', () => {
  let server: Listening
  const get = (path: string, init?: RequestInit): Promise<Answer> => call(server.origin, path, init)
  const users = new Map([['user-123', { id: 42, name: 'Ada' }]])
  beforeAll(async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
    const passport = new passportStatic.Passport()
    passport.use(
      new ScopeguardStrategy(rs, (auth, done) => {
        const user = users.get(auth.subject ?? '')
        if (auth.claims['blocked'] === true) {
          done(null, false, 'The account of this token is blocked')
          return
        }
        done(null, user ?? false)
      }),
    )
    passport.use(
      new ScopeguardStrategy(
        { resourceServer: rs, name: 'with-request', passReqToCallback: true },
        // Annotating Express's Request (narrower than the declared type) is accepted.
        (req: express.Request, auth, done) => {
          done(null, { path: req.originalUrl, sub: auth.subject })
        },
      ),
    )
    passport.use(
      new ScopeguardStrategy({ resourceServer: rs, name: 'async' }, async (auth) => {
        if (auth.claims['explode'] === true) throw new Error('user store down')
        return Promise.reject(new Error('never called done'))
      }),
    )
    passport.use(
      new ScopeguardStrategy({ resourceServer: rs, name: 'throws-oauth' }, (_auth, done) => {
        done(new InsufficientScopeError(['admin']))
      }),
    )
    const options = { session: false, failWithError: true }
    const app = express()
    app.get(
      '/me',
      passport.authenticate('scopeguard', options),
      requireScope('files:read'),
      (req, res) => {
        res.json({
          user: req.user,
          authInfoSubject: (req.authInfo as { subject?: string }).subject,
          tokenSubject: getAuth(req).subject,
        })
      },
    )
    app.get('/with-request', passport.authenticate('with-request', options), (req, res) => {
      res.json({ user: req.user })
    })
    app.get('/async', passport.authenticate('async', options), (_req, res) => {
      res.json({ ok: true })
    })
    app.get('/throws-oauth', passport.authenticate('throws-oauth', options), (_req, res) => {
      res.json({ ok: true })
    })
    app.get(
      '/express-interop',
      passport.authenticate('scopeguard', options),
      expressRequireScope('files:read'),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    app.use(errorHandler())
    app.use(((error, _req, res, _next) => {
      res.status(500).json({ error: 'server_error', message: (error as Error).message })
    }) as express.ErrorRequestHandler)
    server = await listen(app)
  })
  afterAll(async () => {
    await server.close()
  })

  it('maps req.user to your user record while requireScope and getAuth still see the token', async () => {
    const answer = await get('/me', withToken(await issuer.sign({ scope: 'files:read' })))
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      user: { id: 42, name: 'Ada' },
      authInfoSubject: 'user-123',
      tokenSubject: 'user-123',
    })
    const denied = await get('/me', withToken(await issuer.sign({ scope: 'other' })))
    expect(denied.status).toBe(403)
    expect(challengeParams(denied)['scope']).toBe('files:read')
  })

  it('answers a token rejected by verify with 401 invalid_token and its message', async () => {
    const answer = await get('/me', withToken(await issuer.sign({ blocked: true })))
    expect(answer.status).toBe(401)
    expect(challengeParams(answer)).toEqual({
      realm: 'api',
      error: 'invalid_token',
      error_description: 'The account of this token is blocked',
    })
    expect(answer.body).toEqual({
      error: 'invalid_token',
      error_description: 'The account of this token is blocked',
    })
    const unknown = await get('/me', withToken(await issuer.sign({ sub: 'nobody' })))
    expect(unknown.status).toBe(401)
    expect(unknown.body).toEqual({
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
  })

  it('calls verify(req, auth, done) with passReqToCallback', async () => {
    const answer = await get('/with-request?x=1', withToken(await issuer.sign()))
    expect(answer.body).toEqual({ user: { path: '/with-request?x=1', sub: 'user-123' } })
  })

  it('sends a rejected async verify to the error path, not to a 401', async () => {
    const answer = await get('/async', withToken(await issuer.sign({ explode: true })))
    expect(answer.status).toBe(500)
    expect(answer.body).toEqual({ error: 'server_error', message: 'user store down' })
  })

  it('answers a scopeguard error from verify with its own status and challenge', async () => {
    const answer = await get('/throws-oauth', withToken(await issuer.sign()))
    expect(answer.status).toBe(403)
    expect(challengeParams(answer)).toMatchObject({
      realm: 'api',
      error: 'insufficient_scope',
      scope: 'admin',
    })
    expect(answer.cacheControl).toBe('no-store')
  })

  it("lets @scopeguard/express's requireScope read the token the strategy verified", async () => {
    expect(
      (await get('/express-interop', withToken(await issuer.sign({ scope: 'files:read' })))).status,
    ).toBe(200)
    expect((await get('/express-interop', withToken(await issuer.sign()))).status).toBe(403)
  })
})

describe('a key source that is down', () => {
  it('sends the 503 to the error handler, which renders it without a challenge', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign({ scope: 'files:read' })
    down.setFault('jwks', { status: 502 })
    const passport = new passportStatic.Passport()
    passport.use(new ScopeguardStrategy({ issuer: down.issuer, audience: AUDIENCE, logger: false }))
    const app = express()
    app.get('/files', passport.authenticate('scopeguard', { session: false }), (_req, res) => {
      res.json({ ok: true })
    })
    app.use(errorHandler())
    const server = await listen(app)
    try {
      const answer = await call(server.origin, '/files', withToken(token))
      expect(answer.status).toBe(503)
      expect(answer.challenge).toBeNull()
      expect(answer.cacheControl).toBe('no-store')
      expect(answer.body).toMatchObject({ error: 'temporarily_unavailable' })
    } finally {
      await server.close()
      await down.close()
    }
  })

  it("reaches Express's default handler with the error's status when no errorHandler() is used", async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign()
    down.setFault('jwks', { status: 502 })
    const passport = new passportStatic.Passport()
    passport.use(new ScopeguardStrategy({ issuer: down.issuer, audience: AUDIENCE, logger: false }))
    const app = express()
    app.get('/files', passport.authenticate('scopeguard', { session: false }), (_req, res) => {
      res.json({ ok: true })
    })
    const server = await listen(app)
    try {
      const answer = await call(server.origin, '/files', withToken(token))
      expect(answer.status).toBe(503)
      expect(answer.cacheControl).toBe('no-store')
      expect(answer.text).not.toContain(token)
    } finally {
      await server.close()
      await down.close()
    }
  })
})

describe('configuration', () => {
  it('rejects a wrong configuration at startup with a clear message', () => {
    expect(
      () => new ScopeguardStrategy({ issuer: 'http://auth.example.com', audience: AUDIENCE }),
    ).toThrow(/allowInsecureHttp/)
    expect(() => requirement(coreRequireScope('files:read'), { errors: 'throw' as never })).toThrow(
      /errors must be/,
    )
  })
})
