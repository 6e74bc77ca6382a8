// The web adapter's own behaviour over HTTP on Node (a real server on loopback, the test issuer):
// what the shared cases do not cover — body tokens read from a clone, Headers joining repeated
// Authorization fields, query tokens, unknown errors, the metadata handler and response headers.
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import {
  authenticate,
  createResourceServer,
  errorResponse,
  InvalidTokenError,
  requireScope,
  resourceMetadata,
  withAuth,
  withAuthHeaders,
  type ResourceServer,
} from '../src/index.js'
import { listener, router } from './node.js'

const AUDIENCE = 'https://api.web.example.test'
let issuer: TestIssuer
let rs: ResourceServer
let app: RunningApp

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    resourceMetadata: { resource: AUDIENCE, scopesSupported: ['files:read'] },
  })
  const files = withAuth(rs, (_request, auth) => Response.json({ sub: auth.subject }), {
    requirements: [requireScope('files:read')],
  })
  app = await serve(
    listener(
      router(
        {
          '/files': files,
          '/query': withAuth(rs, () => Response.json({ ok: true }), { query: true }),
          '/form': withAuth(
            rs,
            async (request, auth) =>
              // The handler still reads the body the adapter looked at.
              Response.json({ sub: auth.subject, form: await request.text() }),
            { body: true },
          ),
          '/optional': withAuth(
            rs,
            (_request, auth) => Response.json({ anonymous: auth === undefined }),
            { optional: true },
          ),
          '/bug': withAuth(rs, () => {
            throw new Error('secret internals at /srv/app.js:1:1')
          }),
          '/manual': async (request) => {
            try {
              const auth = await authenticate(rs, request)
              return withAuthHeaders(Response.json({ sub: auth.subject }), auth)
            } catch (error) {
              return errorResponse(error)
            }
          },
        },
        resourceMetadata(rs),
      ),
    ),
  )
})
afterAll(async () => {
  await app?.close()
  await issuer?.close()
})

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`]

describe('@scopeguard/web over HTTP', () => {
  it('answers 200 for a valid token with the scope, 401 without a token and 403 without the scope', async () => {
    const ok = await rawRequest(app.origin, {
      path: '/files',
      headers: [bearer(await issuer.sign({ scope: 'files:read' }))],
    })
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toEqual({ sub: 'user-123' })

    const none = await rawRequest(app.origin, { path: '/files' })
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']?.[0]).toMatch(/^Bearer realm="api", resource_metadata=/)
    expect(none.headers['cache-control']).toEqual(['no-store'])
    expect(none.headers['content-type']?.[0]).toMatch(/^application\/json/)
    expect(JSON.parse(none.body)).toEqual({
      error: 'missing_token',
      error_description: expect.any(String),
    })

    const forbidden = await rawRequest(app.origin, {
      path: '/files',
      headers: [bearer(await issuer.sign({ scope: 'other' }))],
    })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers['www-authenticate']?.[0]).toContain('scope="files:read"')
  })

  it('tells two Authorization headers (which Headers joins with a comma) from one: 400', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const response = await rawRequest(app.origin, {
      path: '/files',
      headers: [bearer(token), bearer(token)],
    })
    expect(response.status).toBe(400)
    expect(JSON.parse(response.body)).toEqual({
      error: 'invalid_request',
      error_description: 'The request has more than one Authorization header',
    })
    expect(response.body).not.toContain(token)
  })

  it('reads a form access_token from a clone: the handler still gets the whole body', async () => {
    const token = await issuer.sign()
    const body = `access_token=${token}&name=a.txt`
    const response = await rawRequest(app.origin, {
      method: 'POST',
      path: '/form',
      headers: [['Content-Type', 'application/x-www-form-urlencoded']],
      body,
    })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.body)).toEqual({ sub: 'user-123', form: body })
  })

  it('refuses a header token next to a form access_token (400), where body tokens are off', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const response = await rawRequest(app.origin, {
      method: 'POST',
      path: '/files',
      headers: [bearer(token), ['Content-Type', 'application/x-www-form-urlencoded']],
      body: `access_token=${token}`,
    })
    expect(response.status).toBe(400)
  })

  it('marks the answer to a query token Cache-Control: private', async () => {
    const token = await issuer.sign()
    const response = await rawRequest(app.origin, { path: `/query?access_token=${token}` })
    expect(response.status).toBe(200)
    expect(response.headers['cache-control']).toEqual(['private'])
  })

  it('lets an anonymous request through an optional route, and still refuses a bad token', async () => {
    const anonymous = await rawRequest(app.origin, { path: '/optional' })
    expect(JSON.parse(anonymous.body)).toEqual({ anonymous: true })
    const bad = await rawRequest(app.origin, {
      path: '/optional',
      headers: [bearer('abc.def.ghi')],
    })
    expect(bad.status).toBe(401)
  })

  it('answers an error that is not scopeguard’s with a bare 503, its message kept out', async () => {
    const response = await rawRequest(app.origin, {
      path: '/bug',
      headers: [bearer(await issuer.sign())],
    })
    // the handler threw after authentication: that is the app's own error, not rendered by withAuth
    expect(response.status).toBe(500)
    expect(response.body).not.toContain('secret internals')
    const rendered = errorResponse(new Error('secret internals at /srv/app.js:1:1'))
    expect(rendered.status).toBe(503)
    const text = await rendered.text()
    expect(text).not.toContain('secret')
    expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' })
  })

  it('works with authenticate() and errorResponse() by hand', async () => {
    const ok = await rawRequest(app.origin, {
      path: '/manual',
      headers: [bearer(await issuer.sign())],
    })
    expect(ok.status).toBe(200)
    const expired = await rawRequest(app.origin, {
      path: '/manual',
      headers: [bearer(await issuer.sign({}, { expiresIn: -600 }))],
    })
    expect(expired.status).toBe(401)
    expect(expired.headers['www-authenticate']?.[0]).toContain('error="invalid_token"')
  })

  it('serves the metadata document on GET and HEAD, 204 to a preflight, and passes on others', async () => {
    const path = '/.well-known/oauth-protected-resource'
    const get = await rawRequest(app.origin, { path })
    expect(get.status).toBe(200)
    expect(JSON.parse(get.body)).toMatchObject({
      resource: AUDIENCE,
      scopes_supported: ['files:read'],
    })
    expect(get.headers['access-control-allow-origin']).toEqual(['*'])
    const head = await rawRequest(app.origin, { method: 'HEAD', path })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toEqual(get.headers['content-length'])
    const preflight = await rawRequest(app.origin, { method: 'OPTIONS', path })
    expect(preflight.status).toBe(204)
    expect((await rawRequest(app.origin, { method: 'POST', path })).status).toBe(404)
  })
})

describe('withAuthHeaders()', () => {
  it('copies a response whose headers are immutable', async () => {
    const auth = await rs.verifyToken(await issuer.sign(), 'query')
    const locked = Response.redirect('https://example.test/', 302)
    const response = withAuthHeaders(locked, auth)
    expect(response.status).toBe(302)
    expect(response.headers.get('cache-control')).toBe('private')
  })

  it('leaves a response alone for a header token', async () => {
    const auth = await rs.verifyToken(await issuer.sign())
    const original = new Response('x')
    expect(withAuthHeaders(original, auth)).toBe(original)
  })

  it('InvalidTokenError renders with its challenge', async () => {
    const response = errorResponse(new InvalidTokenError().withChallenge(rs.challengeParams))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })
})
