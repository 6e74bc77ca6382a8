// The route-level hooks: protect() and the requirement hooks on single routes, as Fastify users
// write `{ onRequest: protect(rs), preHandler: requireScope('files:write') }`.
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, tamper, type TestIssuer } from '@scopeguard/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningApp } from '../../../tests/shared/serve.js'
import {
  getAuth,
  hasAuth,
  protect,
  requireAnyScope,
  requireClaim,
  requireScope,
  sendError,
} from '../src/index.js'
import { acceptForms, createApp, serveApp } from './app.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

function routes(app: FastifyInstance, rs: ResourceServer): void {
  acceptForms(app)
  const guard = protect(rs)
  app.get('/files', { onRequest: guard, preHandler: requireScope('files:read') }, (request) => ({
    sub: getAuth(request).subject,
    scopes: request.auth?.scopes,
  }))
  app.post(
    '/files',
    { onRequest: guard, preHandler: requireScope('files:write') },
    async (_request, reply) => reply.code(201).send({ created: true }),
  )
  app.get(
    '/any',
    { onRequest: guard, preHandler: requireAnyScope('files:read', 'account:read') },
    () => ({ ok: true }),
  )
  app.get('/acme', { onRequest: guard, preHandler: requireClaim('tenant', 'acme') }, () => ({
    ok: true,
  }))
  app.get(
    '/admins',
    {
      onRequest: guard,
      preHandler: requireClaim(
        'roles',
        { includes: 'admin' },
        { description: 'Administrators only' },
      ),
    },
    () => ({ ok: true }),
  )
  app.get('/optional', { onRequest: protect(rs, { optional: true }) }, (request) => ({
    anonymous: !hasAuth(request),
    auth: request.auth === undefined ? 'undefined' : 'set',
  }))
  app.get(
    '/image',
    { onRequest: protect(rs, { query: 'ssoToken' }), preHandler: requireScope('files') },
    () => ({ image: true }),
  )
  // In onRequest nothing is parsed yet; in preValidation the form is, so its token is seen.
  app.post('/form/on-request', { onRequest: guard }, () => ({ ok: true }))
  app.post('/form/pre-validation', { preValidation: guard }, () => ({ ok: true }))
  app.post('/form/body-tokens', { preValidation: protect(rs, { body: true }) }, (request) => ({
    source: getAuth(request).source,
  }))
  app.get('/unprotected-but-asks', (request) => ({ sub: getAuth(request).subject }))
  app.get('/unprotected', (request) => ({
    auth: request.auth === undefined,
    has: hasAuth(request),
  }))
  app.get('/requirement-without-protect', { preHandler: requireScope('files:read') }, () => ({
    ok: true,
  }))
  // errors: 'throw' — to this context's error handler, which renders them with sendError().
  void app.register(async (thrown) => {
    thrown.setErrorHandler((error, _request, reply) => {
      if (!sendError(reply, error)) reply.code(500).send({ error: 'server_error' })
    })
    thrown.get('/thrown/files', { onRequest: protect(rs, { errors: 'throw' }) }, () => ({
      ok: true,
    }))
  })
  // errors: 'throw' with Fastify's default error handler.
  app.get('/default/files', { onRequest: protect(rs, { errors: 'throw' }) }, () => ({ ok: true }))
}

interface Answer {
  status: number
  challenge: string | null
  cacheControl: string | null
  body: Record<string, unknown>
  text: string
}

describe('route hooks on Fastify 5', () => {
  let server: RunningApp
  beforeAll(async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
    const test = createApp()
    routes(test.app, rs)
    server = await serveApp(test)
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
  const form = (body: string, token?: string): RequestInit => ({
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  })
  function challengeParams(answer: Answer): Record<string, string> {
    const [challenge] = parseChallenges(answer.challenge ?? '')
    expect(challenge?.scheme).toBe('Bearer')
    return { ...challenge?.params }
  }

  it('lets a valid token through and sets request.auth', async () => {
    const answer = await call('/files', withToken(await issuer.sign({ scope: 'files:read' })))
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ sub: 'user-123', scopes: ['files:read'] })
  })

  it('answers a request without a token with 401, a challenge without an error code, no-store and the JSON body', async () => {
    const answer = await call('/files')
    expect(answer.status).toBe(401)
    expect(challengeParams(answer)).toEqual({ realm: 'api' })
    expect(answer.cacheControl).toBe('no-store')
    expect(answer.body).toEqual({
      error: 'missing_token',
      error_description: 'No access token was provided',
    })
  })

  it('answers a tampered token with 401 invalid_token, never echoing the token', async () => {
    const token = tamper(await issuer.sign({ scope: 'files:read' }))
    const answer = await call('/files', withToken(token))
    expect(answer.status).toBe(401)
    expect(challengeParams(answer)['error']).toBe('invalid_token')
    expect(answer.text).not.toContain(token)
  })

  it('answers a malformed Authorization header with 400 invalid_request', async () => {
    const answer = await call('/files', { headers: { authorization: 'Bearer a b' } })
    expect(answer.status).toBe(400)
    expect(answer.body['error']).toBe('invalid_request')
  })

  it('answers a missing scope with 403 insufficient_scope naming the required scope', async () => {
    const answer = await call(
      '/files',
      withToken(await issuer.sign({ scope: 'files:read' }), { method: 'POST' }),
    )
    expect(answer.status).toBe(403)
    expect(challengeParams(answer)).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:write',
    })
    expect(answer.cacheControl).toBe('no-store')
  })

  it('accepts any one of the scopes of requireAnyScope', async () => {
    expect(
      (await call('/any', withToken(await issuer.sign({ scope: 'account:read' })))).status,
    ).toBe(200)
    expect((await call('/any', withToken(await issuer.sign({ scope: 'other' })))).status).toBe(403)
  })

  it('checks claims, with a custom description, and refuses with 403', async () => {
    expect((await call('/acme', withToken(await issuer.sign({ tenant: 'acme' })))).status).toBe(200)
    const denied = await call('/acme', withToken(await issuer.sign({ tenant: 'globex' })))
    expect(denied.status).toBe(403)
    expect(challengeParams(denied)['error']).toBe('insufficient_scope')
    const admins = await call('/admins', withToken(await issuer.sign({ roles: 'user' })))
    expect(admins.status).toBe(403)
    expect(admins.body['error_description']).toBe('Administrators only')
    expect((await call('/admins', withToken(await issuer.sign({ roles: ['admin'] })))).status).toBe(
      200,
    )
  })

  it('lets anonymous requests through an optional route (request.auth undefined) but still rejects bad tokens', async () => {
    expect((await call('/optional')).body).toEqual({ anonymous: true, auth: 'undefined' })
    expect((await call('/optional', withToken(await issuer.sign()))).body).toEqual({
      anonymous: false,
      auth: 'set',
    })
    expect((await call('/optional', withToken(tamper(await issuer.sign())))).status).toBe(401)
  })

  it('reads a query token only where enabled, and marks the response private', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await call(`/image?ssoToken=${token}`)
    expect(answer.status).toBe(200)
    expect(answer.cacheControl).toBe('private')
    expect((await call(`/files?access_token=${token}`)).status).toBe(401)
    const both = await call(`/image?ssoToken=${token}`, withToken(token))
    expect(both.status).toBe(400)
    expect(both.body['error']).toBe('invalid_request')
  })

  it('sees a form access_token next to the header in preValidation (400), not in onRequest', async () => {
    const token = await issuer.sign()
    const body = `name=a.txt&access_token=${token}`
    const parsed = await call('/form/pre-validation', form(body, token))
    expect(parsed.status).toBe(400)
    expect(parsed.body['error']).toBe('invalid_request')
    expect(parsed.text).not.toContain(token)
    // Before parsing, only the header is there to see: the request is served.
    expect((await call('/form/on-request', form(body, token))).status).toBe(200)
    // Without the second token, the form is fine.
    expect((await call('/form/pre-validation', form('name=a.txt', token))).status).toBe(200)
  })

  it('reads a form body token where enabled (preValidation), and not from JSON', async () => {
    const token = await issuer.sign()
    expect((await call('/form/body-tokens', form(`access_token=${token}&x=1`))).body).toEqual({
      source: 'body',
    })
    const json = await call('/form/body-tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: token }),
    })
    expect(json.status).toBe(401)
  })

  it("throws errors to the context's setErrorHandler with errors: 'throw', rendered identically by sendError()", async () => {
    const token = tamper(await issuer.sign())
    const direct = await call('/files', withToken(token))
    const thrown = await call('/thrown/files', withToken(token))
    expect(thrown.status).toBe(direct.status)
    expect(thrown.challenge).toBe(direct.challenge)
    expect(thrown.cacheControl).toBe('no-store')
    expect(thrown.body).toEqual(direct.body)
  })

  it("keeps status and WWW-Authenticate through Fastify's default error handler with errors: 'throw'", async () => {
    const direct = await call('/files')
    const answer = await call('/default/files')
    expect(answer.status).toBe(401)
    expect(answer.challenge).toBe(direct.challenge)
    expect(answer.body).toMatchObject({ statusCode: 401, message: 'No access token was provided' })
  })

  it('leaves request.auth undefined on routes nothing protects', async () => {
    const answer = await call('/unprotected', withToken(await issuer.sign()))
    expect(answer.body).toEqual({ auth: true, has: false })
  })

  it('fails loudly (500, not 200) when a handler or a requirement runs without protect()', async () => {
    const asks = await call('/unprotected-but-asks', withToken(await issuer.sign()))
    expect(asks.status).toBe(500)
    expect(asks.body['message']).toMatch(/protect the route/)
    const requirement = await call(
      '/requirement-without-protect',
      withToken(await issuer.sign({ scope: 'files:read' })),
    )
    expect(requirement.status).toBe(500)
  })
})

describe('protect with a key source that is down', () => {
  it('answers 503 temporarily_unavailable without a challenge', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign({ scope: 'files:read' })
    down.setFault('jwks', { status: 502 })
    const test = createApp()
    test.app.get(
      '/files',
      { onRequest: protect({ issuer: down.issuer, audience: AUDIENCE, logger: false }) },
      () => ({ ok: true }),
    )
    const server = await serveApp(test)
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

  it('rejects a wrong configuration when the hook is made, naming the option', () => {
    expect(() => protect({ issuer: 'http://auth.example.com', audience: AUDIENCE })).toThrow(
      /allowInsecureHttp/,
    )
    expect(() =>
      protect(createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE }), {
        errors: 'next' as never,
      }),
    ).toThrow(/option errors must be 'respond' or 'throw'/)
    expect(() => requireScope('files read' as never)).toThrow(/not a valid scope token/)
  })
})
