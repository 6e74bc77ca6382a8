// The plugin: registration and its options, request.auth, requirements declared in route config,
// protection of a whole encapsulated context, the metadata routes, and hook placement.
import { createResourceServer, type ResourceServerOptions } from '@scopeguard/core'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningApp } from '../../../tests/shared/serve.js'
import {
  ConfigurationError,
  getAuth,
  hasAuth,
  protect,
  requireClaim,
  refuseDelegation,
  scopeguard,
  type ScopeguardEvent,
} from '../src/index.js'
import { createApp, serveApp, type TestApp } from './app.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer
let other: TestIssuer

beforeAll(async () => {
  ;[issuer, other] = await Promise.all([
    createTestIssuer({ audience: AUDIENCE }),
    createTestIssuer({ audience: 'https://other.example.test' }),
  ])
})
afterAll(async () => {
  await Promise.all([issuer.close(), other.close()])
})

const options = (extra: Partial<ResourceServerOptions> = {}): ResourceServerOptions => ({
  issuer: issuer.issuer,
  audience: AUDIENCE,
  logger: false,
  ...extra,
})
const rs = () => createResourceServer(options())
const bearer = async (claims: Record<string, unknown> = {}, from = issuer) => ({
  authorization: `Bearer ${await from.sign(claims)}`,
})

async function withApp(
  build: (app: FastifyInstance) => Promise<void> | void,
  check: (server: RunningApp) => Promise<void>,
): Promise<void> {
  const test: TestApp = createApp()
  await build(test.app)
  const server = await serveApp(test)
  try {
    await check(server)
  } finally {
    await server.close()
  }
}

async function status(server: RunningApp, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.origin + path, { headers })
  await response.body?.cancel()
  return response.status
}

describe('route config', () => {
  it('protects a route declaring config.scopeguard, in order: step-up, scopes, anyScope, requirements', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options() })
        app.get('/open', () => ({ ok: true }))
        app.get('/me', { config: { scopeguard: {} } }, (request) => ({
          sub: getAuth(request).subject,
        }))
        app.get(
          '/admin',
          {
            config: {
              scopeguard: {
                authentication: { acrValues: ['urn:mfa'] },
                scopes: ['admin'],
                anyScope: ['eu', 'us'],
                requirements: [requireClaim('tenant', 'acme'), refuseDelegation()],
              },
            },
          },
          () => ({ ok: true }),
        )
      },
      async (server) => {
        expect(await status(server, '/open')).toBe(200)
        expect(await status(server, '/me')).toBe(401)
        expect(await status(server, '/me', await bearer())).toBe(200)
        const full = { acr: 'urn:mfa', scope: 'admin eu', tenant: 'acme' }
        expect(await status(server, '/admin', await bearer(full))).toBe(200)
        // Step-up first: a token lacking both the login and the scope is sent to re-authenticate.
        const weak = await fetch(`${server.origin}/admin`, { headers: await bearer({}) })
        expect(weak.status).toBe(401)
        expect(weak.headers.get('www-authenticate')).toContain(
          'error="insufficient_user_authentication"',
        )
        expect(await status(server, '/admin', await bearer({ ...full, scope: 'eu' }))).toBe(403)
        expect(await status(server, '/admin', await bearer({ ...full, scope: 'admin' }))).toBe(403)
        expect(await status(server, '/admin', await bearer({ ...full, tenant: 'globex' }))).toBe(
          403,
        )
        const delegated = { ...full, act: { sub: 'svc-a' } }
        expect(await status(server, '/admin', await bearer(delegated))).toBe(403)
      },
    )
  })

  it('applies per-route extraction options (optional, query)', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options() })
        app.get('/optional', { config: { scopeguard: { optional: true } } }, (request) => ({
          anonymous: !hasAuth(request),
        }))
        app.get('/image', { config: { scopeguard: { query: true } } }, () => ({ ok: true }))
      },
      async (server) => {
        const anonymous = await fetch(`${server.origin}/optional`)
        expect(await anonymous.json()).toEqual({ anonymous: true })
        const image = await fetch(`${server.origin}/image?access_token=${await issuer.sign()}`)
        expect(image.status).toBe(200)
        expect(image.headers.get('cache-control')).toBe('private')
      },
    )
  })

  it("names scopes in the route's 401 challenges with requiredScopes or challengeScopes, like protect()", async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options() })
        app.get(
          '/required',
          { config: { scopeguard: { requiredScopes: ['files:read'] } } },
          () => ({}),
        )
        app.get(
          '/named',
          { config: { scopeguard: { challengeScopes: ['files:read'], scopes: ['files:read'] } } },
          () => ({}),
        )
        app.get(
          '/hook',
          { onRequest: protect(rs(), { requiredScopes: ['files:read'] }) },
          () => ({}),
        )
        app.get('/plain', { config: { scopeguard: { scopes: ['files:read'] } } }, () => ({}))
      },
      async (server) => {
        for (const path of ['/required', '/named', '/hook']) {
          const anonymous = await fetch(server.origin + path)
          expect(anonymous.status, path).toBe(401)
          expect(anonymous.headers.get('www-authenticate'), path).toContain('scope="files:read"')
          expect(await status(server, path, await bearer({ scope: 'other' })), path).toBe(403)
          expect(await status(server, path, await bearer({ scope: 'files:read' })), path).toBe(200)
        }
        // Without them, a 401 names no scope (as in every other adapter).
        const plain = await fetch(`${server.origin}/plain`)
        expect(plain.headers.get('www-authenticate')).not.toContain('scope=')
      },
    )
    expect(() => protect(rs(), { requiredScopes: [] })).toThrow(/requiredScopes must name/)
    const { app } = createApp()
    await app.register(scopeguard, { server: options() })
    expect(() =>
      app.get('/bad', { config: { scopeguard: { challengeScopes: ['a b'] } } }, () => ({})),
    ).toThrow(/route GET \/bad: challengeScopes must be an array of scopes/)
    await app.close()
  })

  it('fails at startup for a mistake in a route declared after the plugin, naming the route and the key', async () => {
    const { app } = createApp()
    await app.register(scopeguard, { server: options() })
    expect(() =>
      app.get('/typo', { config: { scopeguard: { scope: ['files:read'] } as never } }, () => ({})),
    ).toThrow(/route GET \/typo: config\.scopeguard\.scope is not an option/)
    expect(() =>
      app.get('/bad', { config: { scopeguard: { scopes: ['files read' as never] } } }, () => ({})),
    ).toThrow(ConfigurationError)
    expect(() =>
      app.get(
        '/not-a-rule',
        { config: { scopeguard: { requirements: ['files:read' as never] } } },
        () => ({}),
      ),
    ).toThrow(/requirements holds something that is not a requirement/)
    await app.close()
  })

  it('never serves a route declared before the plugin loaded with a wrong config: 500, not 200', async () => {
    await withApp(
      (app) => {
        // Not awaited: the route is declared before the plugin's onRoute hook exists.
        void app.register(scopeguard, { server: options() })
        app.get('/typo', { config: { scopeguard: { scope: ['x'] } as never } }, () => ({}))
        app.get('/early', { config: { scopeguard: { scopes: ['files:read'] } } }, () => ({}))
      },
      async (server) => {
        expect(await status(server, '/typo', await bearer())).toBe(500)
        // A correct config on such a route is enforced all the same.
        expect(await status(server, '/early')).toBe(401)
        expect(await status(server, '/early', await bearer({ scope: 'other' }))).toBe(403)
        expect(await status(server, '/early', await bearer({ scope: 'files:read' }))).toBe(200)
      },
    )
  })
})

describe('global: true and encapsulation', () => {
  it("protects every route of the plugin's context and its children, also routes declared before it loaded; config false opts out", async () => {
    await withApp(
      (app) => {
        app.get('/public', () => ({ ok: true }))
        void app.register(async (api) => {
          api.get('/early', () => ({ ok: true }))
          await api.register(scopeguard, { server: options(), global: true })
          api.get('/late', () => ({ ok: true }))
          api.get('/health', { config: { scopeguard: false } }, () => ({ ok: true }))
          await api.register(async (child) => {
            child.get('/child', () => ({ ok: true }))
          })
        })
        void app.register(async (sibling) => {
          sibling.get('/sibling', (request) => ({ auth: request.auth === undefined }))
        })
      },
      async (server) => {
        for (const path of ['/early', '/late', '/child']) {
          expect(await status(server, path), path).toBe(401)
          expect(await status(server, path, await bearer()), path).toBe(200)
        }
        expect(await status(server, '/health')).toBe(200)
        // Outside the encapsulated context: untouched, and request.auth is still declared.
        expect(await status(server, '/public')).toBe(200)
        const sibling = await fetch(`${server.origin}/sibling`, { headers: await bearer() })
        expect(await sibling.json()).toEqual({ auth: true })
      },
    )
  })

  it('guards the not-found handler too, so an unknown path tells an anonymous client nothing', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, {
          server: options({ publicOrigin: AUDIENCE }),
          global: true,
        })
        app.get('/files', () => ({ ok: true }))
      },
      async (server) => {
        expect(await status(server, '/nothing-here')).toBe(401)
        expect(await status(server, '/nothing-here', await bearer())).toBe(404)
        // OPTIONS * reaches the guard (then the not-found handler).
        expect((await rawRequest(server.origin, { method: 'OPTIONS', path: '*' })).status).toBe(401)
        const star = await rawRequest(server.origin, {
          method: 'OPTIONS',
          path: '*',
          headers: [['Authorization', `Bearer ${await issuer.sign()}`]],
        })
        expect(star.status).toBe(404)
        // A target Fastify cannot route is its own 400 before any hook, never a 500.
        const bad = await rawRequest(server.origin, {
          path: 'http://127.0.0.1:999999/files',
          headers: [['Authorization', `Bearer ${await issuer.sign()}`]],
        })
        expect(bad.status).toBe(400)
        expect(bad.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules/)
      },
    )
  })

  it('lets a nested registration (another resource server) own the routes of its context', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options(), global: true })
        app.get('/files', () => ({ ok: true }))
        await app.register(async (tenant) => {
          await tenant.register(scopeguard, {
            server: { issuer: other.issuer, audience: 'https://other.example.test', logger: false },
            global: true,
          })
          tenant.get('/tenant/files', (request) => ({ issuer: getAuth(request).issuer }))
        })
      },
      async (server) => {
        expect(await status(server, '/files', await bearer())).toBe(200)
        expect(await status(server, '/files', await bearer({}, other))).toBe(401)
        const tenant = await fetch(`${server.origin}/tenant/files`, {
          headers: await bearer({}, other),
        })
        expect(await tenant.json()).toEqual({ issuer: other.issuer })
        expect(await status(server, '/tenant/files', await bearer())).toBe(401)
      },
    )
  })

  it('verifies a token once when a route is protected twice by the same server', async () => {
    const events: ScopeguardEvent[] = []
    const rs = createResourceServer(options({ onEvent: (event) => events.push(event) }))
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: rs, global: true })
        app.get('/twice', { onRequest: protect(rs) }, () => ({ ok: true }))
      },
      async (server) => {
        expect(await status(server, '/twice', await bearer())).toBe(200)
        expect(events.filter((event) => event.type === 'authenticated')).toHaveLength(1)
      },
    )
  })

  it('decorates fastify.scopeguard with the resource server, per context', async () => {
    const rs = createResourceServer(options())
    const { app } = createApp()
    await app.register(scopeguard, { server: rs })
    expect(app.scopeguard).toBe(rs)
    await app.close()
  })
})

describe('hook placement', () => {
  const schema = {
    body: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' } },
    },
  }

  it('answers an unauthenticated client 401 before schema validation (preValidation, the default)', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options(), global: true })
        app.post('/files', { schema }, () => ({ ok: true }))
      },
      async (server) => {
        const post = (headers: Record<string, string>) =>
          fetch(`${server.origin}/files`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: '{}',
          })
        expect((await post({})).status).toBe(401)
        expect((await post(await bearer())).status).toBe(400)
      },
    )
  })

  it("refuses before the body is parsed with hook: 'onRequest'", async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: options(), global: true, hook: 'onRequest' })
        app.post('/files', () => ({ ok: true }))
      },
      async (server) => {
        const post = (headers: Record<string, string>) =>
          fetch(`${server.origin}/files`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: '{not json',
          })
        // The malformed body is never read for an anonymous client.
        expect((await post({})).status).toBe(401)
        expect((await post(await bearer())).status).toBe(400)
      },
    )
  })
})

describe('metadata routes', () => {
  const withMetadata = () => options({ resourceMetadata: { resource: AUDIENCE } })

  it('serves the protected resource metadata as Fastify routes (GET, HEAD, OPTIONS), without a token', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: withMetadata(), global: true })
      },
      async (server) => {
        const url = `${server.origin}/.well-known/oauth-protected-resource`
        const get = await fetch(url)
        expect(get.status).toBe(200)
        expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8')
        expect(get.headers.get('access-control-allow-origin')).toBe('*')
        expect(await get.json()).toMatchObject({
          resource: AUDIENCE,
          authorization_servers: [issuer.issuer],
        })
        const head = await fetch(url, { method: 'HEAD' })
        expect(head.status).toBe(200)
        expect(await head.text()).toBe('')
        expect((await fetch(url, { method: 'OPTIONS' })).status).toBe(204)
        expect((await fetch(url, { method: 'POST' })).status).toBe(401)
      },
    )
  })

  it('serves nothing with resourceMetadata: false', async () => {
    await withApp(
      async (app) => {
        await app.register(scopeguard, { server: withMetadata(), resourceMetadata: false })
      },
      async (server) => {
        expect(await status(server, '/.well-known/oauth-protected-resource')).toBe(404)
      },
    )
  })

  it('refuses to serve it under a prefix, or without the resourceMetadata option', async () => {
    const prefixed = createApp().app
    await expect(
      prefixed.register(
        async (api) => {
          await api.register(scopeguard, { server: withMetadata() })
        },
        { prefix: '/api' },
      ),
    ).rejects.toThrow(/at the host root.*prefix \/api/)
    await prefixed.close()
    const without = createApp().app
    await expect(
      without.register(scopeguard, { server: options(), resourceMetadata: true }),
    ).rejects.toThrow(/resourceMetadata option/)
    await without.close()
  })
})

describe('registration', () => {
  it.each([
    [{ server: undefined }, /option server is required/],
    [{ server: {}, scopes: ['x'] }, /has no option scopes/],
    [{ server: 'rs' }, /option server is required/],
    [
      { server: {}, hook: 'onSend' },
      /option hook must be one of onRequest, preValidation, preHandler/,
    ],
    [{ server: {}, errors: 'next' }, /option errors must be 'respond' or 'throw'/],
    [{ server: {}, global: 'yes' }, /option global must be a boolean/],
  ])('refuses %j with a ConfigurationError naming the option', async (given, message) => {
    const { app } = createApp()
    const server =
      given.server === undefined || typeof given.server === 'string' ? given.server : options()
    const registering = app.register(scopeguard, { ...given, server } as never)
    await expect(registering).rejects.toThrow(ConfigurationError)
    await expect(registering).rejects.toThrow(message)
    await app.close()
  })

  it('refuses a wrong resource server configuration when registered', async () => {
    const { app } = createApp()
    await expect(
      app.register(scopeguard, {
        server: { issuer: 'http://auth.example.com', audience: AUDIENCE },
      }),
    ).rejects.toThrow(/allowInsecureHttp/)
    await app.close()
  })

  it('refuses a second registration in the same context', async () => {
    const { app } = createApp()
    await app.register(scopeguard, { server: options() })
    await expect(app.register(scopeguard, { server: options() })).rejects.toThrow(
      /already registered in this context/,
    )
    await app.close()
  })
})
