// The Hono adapter's own behaviour over HTTP (@hono/node-server on loopback, the test issuer):
// typed c.get('auth'), errors thrown to app.onError, response headers after the handler, the
// metadata route and option checks.
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requireScope as requireScopeRule } from '@scopeguard/core'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import {
  ConfigurationError,
  createResourceServer,
  errorHandler,
  getAuth,
  hasAuth,
  protect,
  requireScope,
  requirement,
  resourceMetadata,
  type AuthInfo,
  type ResourceServer,
  type ScopeguardEnv,
} from '../src/index.js'
import { listener } from './node.js'

const AUDIENCE = 'https://api.hono.example.test'
let issuer: TestIssuer
let rs: ResourceServer
let app: RunningApp

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    resourceMetadata: { resource: AUDIENCE },
  })
  const hono = new Hono<ScopeguardEnv>()
  hono.use(resourceMetadata(rs))
  hono.onError(errorHandler())
  hono.get('/files', protect(rs), requireScope('files:read'), (c) => {
    expectTypeOf(c.get('auth')).toEqualTypeOf<AuthInfo>()
    return c.json({ sub: c.get('auth').subject, same: getAuth(c) === c.get('auth') })
  })
  hono.get('/thrown', protect(rs, { errors: 'throw' }), (c) => c.json({ ok: true }))
  hono.get('/query', protect(rs, { query: true }), (c) => c.json({ ok: true }))
  hono.get('/query-cached', protect(rs, { query: true }), (c) => {
    c.header('Cache-Control', 'no-store')
    return c.json({ ok: true })
  })
  hono.get('/optional', protect(rs, { optional: true }), (c) => c.json({ anonymous: !hasAuth(c) }))
  // Without the Env on the app, the middleware's own types reach the handler.
  new Hono().get('/typed', protect(rs, { optional: true }), (c) => {
    expectTypeOf(c.get('auth')).toEqualTypeOf<AuthInfo | undefined>()
    return c.text('')
  })
  new Hono().get('/typed', protect(rs), (c) => {
    expectTypeOf(c.get('auth')).toEqualTypeOf<AuthInfo>()
    return c.text('')
  })
  hono.get('/http-exception', () => {
    throw new HTTPException(418, { message: 'teapot' })
  })
  app = await serve(listener(hono))
})
afterAll(async () => {
  await app?.close()
  await issuer?.close()
})

const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`]

describe('@scopeguard/hono over HTTP', () => {
  it('sets c.get("auth") for a valid token, 401 without one and 403 without the scope', async () => {
    const ok = await rawRequest(app.origin, {
      path: '/files',
      headers: [bearer(await issuer.sign({ scope: 'files:read' }))],
    })
    expect(JSON.parse(ok.body)).toEqual({ sub: 'user-123', same: true })
    const none = await rawRequest(app.origin, { path: '/files' })
    expect(none.status).toBe(401)
    expect(none.headers['cache-control']).toEqual(['no-store'])
    const forbidden = await rawRequest(app.origin, {
      path: '/files',
      headers: [bearer(await issuer.sign({ scope: 'x' }))],
    })
    expect(forbidden.status).toBe(403)
    expect(forbidden.headers['www-authenticate']?.[0]).toContain('scope="files:read"')
  })

  it('throws to app.onError with errors: "throw", which errorHandler() renders the same way', async () => {
    const response = await rawRequest(app.origin, {
      path: '/thrown',
      headers: [bearer(await issuer.sign({}, { expiresIn: -600 }))],
    })
    expect(response.status).toBe(401)
    expect(response.headers['www-authenticate']?.[0]).toContain('error="invalid_token"')
    expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_token' })
  })

  it('leaves other errors to Hono (an HTTPException keeps its response)', async () => {
    const response = await rawRequest(app.origin, { path: '/http-exception' })
    expect(response.status).toBe(418)
    expect(response.body).toBe('teapot')
  })

  it('adds Cache-Control: private for a query token, unless the handler set its own', async () => {
    const token = await issuer.sign()
    const query = await rawRequest(app.origin, { path: `/query?access_token=${token}` })
    expect(query.status).toBe(200)
    expect(query.headers['cache-control']).toEqual(['private'])
    const own = await rawRequest(app.origin, { path: `/query-cached?access_token=${token}` })
    expect(own.headers['cache-control']).toEqual(['no-store'])
  })

  it('lets an anonymous request through an optional route', async () => {
    const response = await rawRequest(app.origin, { path: '/optional' })
    expect(JSON.parse(response.body)).toEqual({ anonymous: true })
  })

  it('serves the metadata document, HEAD without a body', async () => {
    const path = '/.well-known/oauth-protected-resource'
    const get = await rawRequest(app.origin, { path })
    expect(JSON.parse(get.body)).toMatchObject({ resource: AUDIENCE })
    const head = await rawRequest(app.origin, { method: 'HEAD', path })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })
})

describe('options', () => {
  it('refuses an unknown errors mode at construction, naming the option', () => {
    expect(() => protect(rs, { errors: 'next' as never })).toThrow(ConfigurationError)
    expect(() => protect(rs, { errors: 'next' as never })).toThrow(/errors/)
  })

  it('refuses a requirement() that is not a requirement, at route definition', () => {
    expect(() => requirement({} as never)).toThrow(ConfigurationError)
    expect(() => requirement(requireScopeRule('files:read'), { errors: 'x' as never })).toThrow(
      ConfigurationError,
    )
  })
})
