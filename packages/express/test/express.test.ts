import type { Server } from 'node:http'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, tamper, type TestIssuer } from '@scopeguard/testing'
import express5 from 'express'
import express4 from 'express4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  errorHandler,
  getAuth,
  hasAuth,
  protect,
  requireAnyScope,
  requireClaim,
  requireScope,
} from '../src/index.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

async function listen(app: express5.Express): Promise<{ origin: string; close(): Promise<void> }> {
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

function buildApp(express: typeof express5, rs: ResourceServer): express5.Express {
  const app = express()
  const guard = protect(rs)
  app.get('/files', guard, requireScope('files:read'), (req, res) => {
    res.json({ sub: getAuth(req).subject, scopes: req.auth?.scopes })
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
  app.get('/optional', protect(rs, { optional: true }), (req, res) => {
    res.json({ anonymous: !hasAuth(req) })
  })
  app.get('/image', protect(rs, { query: 'ssoToken' }), requireScope('files'), (_req, res) => {
    res.json({ image: true })
  })
  app.post(
    '/form',
    express.urlencoded({ extended: false }),
    protect(rs, { body: true }),
    (req, res) => {
      res.json({ source: getAuth(req).source })
    },
  )
  app.get('/unprotected-but-asks', (req, res) => {
    res.json({ sub: getAuth(req).subject })
  })
  const passOn = express.Router()
  passOn.get('/files', protect(rs, { errors: 'next' }), (_req, res) => {
    res.json({ ok: true })
  })
  passOn.use(errorHandler())
  app.use('/next', passOn)
  const finalhandler = express.Router()
  finalhandler.get('/files', protect(rs, { errors: 'next' }), (_req, res) => {
    res.json({ ok: true })
  })
  app.use('/plain', finalhandler)
  app.use(((error, _req, res, _next) => {
    res.status(500).json({ error: 'server_error', message: (error as Error).message })
  }) as express5.ErrorRequestHandler)
  return app
}

interface Answer {
  status: number
  challenge: string | null
  cacheControl: string | null
  body: Record<string, unknown>
  text: string
}

for (const [name, express] of [
  ['Express 5', express5],
  ['Express 4', express4 as typeof express5],
] as const) {
  describe(name, () => {
    let server: { origin: string; close(): Promise<void> }
    beforeAll(async () => {
      const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
      server = await listen(buildApp(express, rs))
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

    it('lets a valid token through and sets req.auth', async () => {
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
      expect((await call('/optional')).body).toEqual({ anonymous: true })
      expect((await call('/optional', withToken(await issuer.sign()))).body).toEqual({
        anonymous: false,
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

    it('passes errors to errorHandler() with { errors: "next" } and renders them identically', async () => {
      const direct = await call('/files', withToken(tamper(await issuer.sign())))
      const viaNext = await call('/next/files', withToken(tamper(await issuer.sign())))
      expect(viaNext.status).toBe(direct.status)
      expect(viaNext.challenge).toBe(direct.challenge)
      expect(viaNext.body).toEqual(direct.body)
    })

    it('hands the error, with status and headers, to the app error handler', async () => {
      const answer = await call('/plain/files')
      // The app's own handler above answers 500 with the message: the error reached it intact.
      expect(answer.body).toEqual({
        error: 'server_error',
        message: 'No access token was provided',
      })
    })

    it('fails loudly when a handler asks for auth on a route without protect()', async () => {
      const answer = await call('/unprotected-but-asks', withToken(await issuer.sign()))
      expect(answer.status).toBe(500)
      expect(answer.body['message']).toMatch(/register protect\(\)/)
    })
  })
}

describe('cold start', () => {
  it('100 concurrent requests with an empty key cache cause exactly one JWKS fetch', async () => {
    const cold = await createTestIssuer({ audience: AUDIENCE })
    const app = express5()
    app.get('/files', protect({ issuer: cold.issuer, audience: AUDIENCE }), (_req, res) => {
      res.json({ ok: true })
    })
    const server = await listen(app)
    try {
      const token = await cold.sign()
      cold.resetCounts()
      const statuses = await Promise.all(
        Array.from({ length: 100 }, () =>
          fetch(`${server.origin}/files`, { headers: { authorization: `Bearer ${token}` } }).then(
            async (response) => {
              await response.body?.cancel()
              return response.status
            },
          ),
        ),
      )
      expect(statuses).toEqual(Array.from({ length: 100 }, () => 200))
      expect(cold.requestCount('jwks')).toBe(1)
      expect(cold.requestCount('metadata')).toBe(1)
    } finally {
      await server.close()
      await cold.close()
    }
  })
})

describe('protect with a key source that is down', () => {
  it('answers 503 temporarily_unavailable without a challenge', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign({ scope: 'files:read' })
    down.setFault('jwks', { status: 502 })
    const app = express5()
    app.get(
      '/files',
      protect({ issuer: down.issuer, audience: AUDIENCE, logger: false }),
      (_req, res) => {
        res.json({ ok: true })
      },
    )
    const server = await listen(app)
    try {
      const response = await fetch(`${server.origin}/files`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(response.status).toBe(503)
      expect(response.headers.get('www-authenticate')).toBeNull()
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
    expect(() =>
      protect(createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE }), {
        errors: 'throw' as never,
      }),
    ).toThrow(/errors must be/)
  })
})
