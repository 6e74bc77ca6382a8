import type { Server } from 'node:http'
import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { createResourceServer, isOAuthError, type ResourceServer } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, tamper, type TestIssuer } from '@scopeguard/testing'
import Koa3 from 'koa'
import Koa2 from 'koa2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  errorHandler,
  getAuth,
  hasAuth,
  protect,
  requireAnyScope,
  requireClaim,
  requireScope,
  type OAuthState,
} from '../src/index.js'

/** The DPoP challenge (RFC 9449 §7.1) that follows Bearer's, as the default `dpop: 'allowed'` sends. */
const DPOP_CHALLENGE =
  'DPoP realm="api", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"'
const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

async function listen(app: Koa3): Promise<{ origin: string; close(): Promise<void> }> {
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

/** The test app, and the errors that reached the app's 'error' event (Koa's own error path). */
function buildApp(Koa: typeof Koa3, rs: ResourceServer): { app: Koa3; appErrors: Error[] } {
  const app = new Koa()
  const appErrors: Error[] = []
  // Replaces Koa's default logger; Koa still renders the error with ctx.onerror.
  app.on('error', (error: Error) => appErrors.push(error))

  // No error middleware on these routes: the default mode must answer by itself.
  const router = new Router<OAuthState>()
  const guard = protect(rs)
  router.get('/files', guard, requireScope('files:read'), (ctx) => {
    ctx.body = { sub: getAuth(ctx).subject, scopes: ctx.state.auth.scopes }
  })
  router.post('/files', guard, requireScope('files:write'), (ctx) => {
    ctx.status = 201
    ctx.body = { created: true }
  })
  router.get('/any', guard, requireAnyScope('files:read', 'account:read'), (ctx) => {
    ctx.body = { ok: true }
  })
  router.get('/acme', guard, requireClaim('tenant', 'acme'), (ctx) => {
    ctx.body = { ok: true }
  })
  router.get(
    '/admins',
    guard,
    requireClaim('roles', { includes: 'admin' }, { description: 'Administrators only' }),
    (ctx) => {
      ctx.body = { ok: true }
    },
  )
  router.get('/optional', protect(rs, { optional: true }), (ctx) => {
    ctx.body = { anonymous: !hasAuth(ctx), stateSet: 'auth' in ctx.state }
  })
  router.get('/image', protect(rs, { query: 'ssoToken' }), requireScope('files'), (ctx) => {
    ctx.body = { image: true }
  })
  router.post('/form', bodyParser(), protect(rs, { body: true }), (ctx) => {
    ctx.body = { source: getAuth(ctx).source }
  })
  router.get('/user', protect(rs, { stateKey: 'user' }), (ctx) => {
    ctx.body = {
      user: (ctx.state as { user?: { subject?: string } }).user?.subject,
      auth: 'auth' in ctx.state,
      getAuth: getAuth(ctx).subject,
    }
  })
  router.get('/unprotected-but-asks', (ctx) => {
    ctx.body = { sub: getAuth(ctx).subject }
  })
  app.use(router.routes())

  // errors: 'throw' with scopeguard's errorHandler() upstream.
  const handled = new Router({ prefix: '/next' })
  handled.use(errorHandler())
  handled.get('/files', protect(rs, { errors: 'throw' }), (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(handled.routes())

  // errors: 'throw' with nothing but Koa's default ctx.onerror.
  const plain = new Router({ prefix: '/plain' })
  plain.get('/files', protect(rs, { errors: 'throw' }), (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(plain.routes())

  // errors: 'throw' with the app's own error middleware, which sees the error intact.
  const custom = new Router({ prefix: '/custom' })
  custom.use(async (ctx, next) => {
    try {
      await next()
    } catch (error) {
      ctx.status = 500
      ctx.body = {
        error: 'server_error',
        message: (error as Error).message,
        oauth: isOAuthError(error),
        status: (error as { status?: number }).status,
        headers: (error as { headers?: unknown }).headers,
      }
    }
  })
  custom.get('/files', protect(rs, { errors: 'throw' }), (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(custom.routes())
  return { app, appErrors }
}

it('runs the suite on two distinct Koa majors', () => {
  expect(Koa2).not.toBe(Koa3)
  expect(typeof new Koa2().callback()).toBe('function')
})

interface Answer {
  status: number
  challenge: string | null
  cacheControl: string | null
  contentType: string | null
  body: Record<string, unknown>
  text: string
}

for (const [name, Koa] of [
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
] as const) {
  describe(name, () => {
    let server: { origin: string; close(): Promise<void> }
    let appErrors: Error[]
    beforeAll(async () => {
      const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
      const built = buildApp(Koa, rs)
      appErrors = built.appErrors
      server = await listen(built.app)
    })
    afterAll(async () => {
      await server.close()
    })

    async function call(path: string, init: RequestInit = {}): Promise<Answer> {
      const response = await fetch(server.origin + path, init)
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
    function challengeParams(answer: Answer): Record<string, string> {
      const [challenge] = parseChallenges(answer.challenge ?? '')
      expect(challenge?.scheme).toBe('Bearer')
      return { ...challenge?.params }
    }

    it('lets a valid token through and sets ctx.state.auth', async () => {
      const answer = await call('/files', withToken(await issuer.sign({ scope: 'files:read' })))
      expect(answer.status).toBe(200)
      expect(answer.body).toEqual({ sub: 'user-123', scopes: ['files:read'] })
    })

    it('answers a request without a token with 401 and a challenge without an error code', async () => {
      const answer = await call('/files')
      expect(answer.status).toBe(401)
      expect(challengeParams(answer)).toEqual({ realm: 'api' })
      expect(answer.body).toEqual({
        error: 'missing_token',
        error_description: 'No access token was provided',
      })
      expect(answer.cacheControl).toBe('no-store')
      expect(answer.contentType).toBe('application/json; charset=utf-8')
    })

    it('treats another scheme (Basic) as no token: 401 without an error code', async () => {
      const answer = await call('/files', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
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
        const answer = await call('/files', withToken(token))
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

    it('answers a malformed Authorization header with 400 invalid_request', async () => {
      const answer = await call('/files', { headers: { authorization: 'Bearer a b' } })
      expect(answer.status).toBe(400)
      expect(challengeParams(answer)).toMatchObject({ error: 'invalid_request' })
      expect(answer.body['error']).toBe('invalid_request')
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
      expect(answer.headers['www-authenticate']?.[0]).toContain('error="invalid_request"')
      expect(answer.body).not.toContain(token)
    })

    it('answers a missing scope with 403 insufficient_scope naming the required scope', async () => {
      const answer = await call('/files', {
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
        (await call('/any', withToken(await issuer.sign({ scope: 'account:read' })))).status,
      ).toBe(200)
      const denied = await call('/any', withToken(await issuer.sign({ scope: 'other' })))
      expect(denied.status).toBe(403)
      expect(challengeParams(denied)['scope']).toBe('files:read account:read')
    })

    it('checks claim includes over a space-separated string or an array, with a custom description', async () => {
      for (const roles of ['user admin', ['admin']]) {
        expect((await call('/admins', withToken(await issuer.sign({ roles })))).status).toBe(200)
      }
      const denied = await call(
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
      expect((await call('/acme', withToken(await issuer.sign({ tenant: 'acme' })))).status).toBe(
        200,
      )
      const denied = await call('/acme', withToken(await issuer.sign({ tenant: 'globex' })))
      expect(denied.status).toBe(403)
      expect(challengeParams(denied)['error']).toBe('insufficient_scope')
    })

    it('lets anonymous requests through an optional route but still rejects bad tokens', async () => {
      expect((await call('/optional')).body).toEqual({ anonymous: true, stateSet: false })
      expect((await call('/optional', withToken(await issuer.sign()))).body).toEqual({
        anonymous: false,
        stateSet: true,
      })
      expect((await call('/optional', withToken(tamper(await issuer.sign())))).status).toBe(401)
    })

    it('reads a query token only where enabled, and marks the response private', async () => {
      const token = await issuer.sign({ scope: 'files' })
      const answer = await call(`/image?ssoToken=${token}`)
      expect(answer.status).toBe(200)
      expect(answer.cacheControl).toBe('private')
      expect((await call(`/files?access_token=${token}`)).status).toBe(401)
    })

    it('answers a token in the header and the query with 400', async () => {
      const token = await issuer.sign({ scope: 'files' })
      const answer = await call(`/image?ssoToken=${token}`, withToken(token))
      expect(answer.status).toBe(400)
      expect(answer.body['error']).toBe('invalid_request')
    })

    it('reads a form body token on a POST where enabled', async () => {
      const token = await issuer.sign()
      const answer = await call('/form', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `access_token=${token}&x=1`,
      })
      expect(answer.body).toEqual({ source: 'body' })
      const json = await call('/form', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: token }),
      })
      expect(json.status).toBe(401)
    })

    it('stores the auth object under stateKey, where getAuth still finds it', async () => {
      const answer = await call('/user', withToken(await issuer.sign()))
      expect(answer.body).toEqual({ user: 'user-123', auth: false, getAuth: 'user-123' })
    })

    it('throws errors to errorHandler() with { errors: "throw" } and renders them identically', async () => {
      const direct = await call('/files', withToken(tamper(await issuer.sign())))
      const viaThrow = await call('/next/files', withToken(tamper(await issuer.sign())))
      expect(viaThrow.status).toBe(direct.status)
      expect(viaThrow.challenge).toBe(direct.challenge)
      expect(viaThrow.cacheControl).toBe('no-store')
      expect(viaThrow.body).toEqual(direct.body)
    })

    it("keeps status, WWW-Authenticate and no-store through Koa's default error handling in throw mode", async () => {
      const direct = await call('/files', withToken(tamper(await issuer.sign())))
      const viaKoa = await call('/plain/files', withToken(tamper(await issuer.sign())))
      expect(viaKoa.status).toBe(401)
      expect(viaKoa.challenge).toBe(direct.challenge)
      expect(viaKoa.cacheControl).toBe('no-store')
      // Koa's ctx.onerror sends the exposed message as text, not the JSON body.
      expect(viaKoa.contentType).toBe('text/plain; charset=utf-8')
      expect(viaKoa.text).toBe('The access token signature is invalid')
      const none = await call('/plain/files')
      expect(none.status).toBe(401)
      expect(none.challenge).toBe(`Bearer realm="api", ${DPOP_CHALLENGE}`)
    })

    it('hands the error, with status and headers, to the app error middleware', async () => {
      const answer = await call('/custom/files')
      expect(answer.status).toBe(500)
      expect(answer.body).toEqual({
        error: 'server_error',
        message: 'No access token was provided',
        oauth: true,
        status: 401,
        headers: {
          'Cache-Control': 'no-store',
          'WWW-Authenticate': `Bearer realm="api", ${DPOP_CHALLENGE}`,
        },
      })
    })

    it('fails loudly when a handler asks for auth on a route without protect()', async () => {
      const before = appErrors.length
      const answer = await call('/unprotected-but-asks', withToken(await issuer.sign()))
      expect(answer.status).toBe(500)
      expect(answer.text).toBe('Internal Server Error')
      expect(appErrors.slice(before).map((e) => e.message)).toEqual([
        expect.stringMatching(/register protect\(\)/),
      ])
    })
  })
}

describe('protect with a key source that is down', () => {
  it('answers 503 temporarily_unavailable without a challenge', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign({ scope: 'files:read' })
    down.setFault('jwks', { status: 502 })
    const app = new Koa3()
    app.use(protect({ issuer: down.issuer, audience: AUDIENCE, logger: false }))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    const server = await listen(app)
    try {
      const response = await fetch(`${server.origin}/files`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(503)
      expect(response.headers.get('www-authenticate')).toBeNull()
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(await response.json()).toMatchObject({ error: 'temporarily_unavailable' })
    } finally {
      await server.close()
      await down.close()
    }
  })

  it('rejects a wrong configuration at startup with a clear message', () => {
    expect(() => protect({ issuer: 'http://auth.example.com', audience: AUDIENCE })).toThrow(
      /allowInsecureHttp/,
    )
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    expect(() => protect(rs, { errors: 'next' as never })).toThrow(/errors must be/)
    expect(() => protect(rs, { stateKey: '__proto__' })).toThrow(/stateKey must be/)
    expect(() => protect(rs, { stateKey: '' })).toThrow(/stateKey must be/)
    expect(() => requireScope()).toThrow(/at least one scope/)
  })
})
