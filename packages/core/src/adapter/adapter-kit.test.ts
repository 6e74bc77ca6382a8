import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthInfo } from '../auth-info.js'
import { ConfigurationError, InsufficientScopeError, MissingTokenError } from '../errors.js'
import type { Requirement } from '../requirements.js'
import { createResourceServer, type AuthenticateOptions } from '../resource-server.js'
import {
  authAccessors,
  authOf,
  createResourceMetadataRoute,
  errorResponse,
  errorsOption,
  fromNodeRequest,
  recordAuth,
  requireAuthOf,
  requirementError,
  requirementHandlers,
  resourceServerOf,
  successHeaders,
  writeNodeResponse,
  type RequestLike,
} from './index.js'

// A complete adapter for bare node:http written with the kit alone: what a framework adapter
// (Express, Koa, Fastify …) is made of, exercised over HTTP against the test issuer.
type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

const NO_AUTH = 'scopeguard: no authenticated token on this request; run protect() first'

function sendError(res: ServerResponse, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  writeNodeResponse(res, {
    status: response.status,
    headers: { ...response.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(response.body),
  })
  return true
}

function protect(
  server: Parameters<typeof resourceServerOf>[0],
  options: AuthenticateOptions = {},
): Handler {
  const rs = resourceServerOf(server)
  return async (req, res) => {
    let auth: AuthInfo<object> | undefined
    try {
      auth = await rs.authenticate(fromNodeRequest(req), options)
    } catch (error) {
      if (!sendError(res, error)) throw error
      return false
    }
    recordAuth(req, auth, rs)
    if (auth !== undefined) {
      const headers = successHeaders(auth)
      for (const name in headers) res.setHeader(name, headers[name] as string)
    }
    return true
  }
}

const handlers = requirementHandlers(['respond', 'throw'], (rule, mode): Handler => {
  return async (req, res) => {
    const error = requirementError(rule, req, NO_AUTH)
    if (error === undefined) return true
    if (mode === 'throw' || !sendError(res, error)) throw error
    return false
  }
})

let issuer: TestIssuer
let http: Server
let base: string
const seen: RequestLike[] = []

/** Routes: each runs its handlers in order, then answers 200 with the token's subject. */
function routes(audience: string): Record<string, Handler[]> {
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience,
    resourceMetadata: { resource: audience },
  })
  const record: Handler = async (req) => {
    seen.push(fromNodeRequest(req, { url: '/mounted' + (req.url ?? ''), protocol: 'https' }))
    return true
  }
  return {
    '/files': [protect(rs), handlers.requireScope('files:read')],
    '/admin': [protect(rs), handlers.requireClaim('role', 'admin')],
    '/query': [protect(rs, { query: true })],
    '/optional': [protect(rs, { optional: true }), handlers.requireScope('files:read')],
    '/unprotected': [handlers.requireScope('files:read')],
    '/record': [record],
    '/options': [protect({ issuer: issuer.issuer, audience })],
  }
}

beforeAll(async () => {
  issuer = await createTestIssuer()
  const table = routes('https://api.example.test')
  const metadata = createResourceMetadataRoute([
    createResourceServer({
      issuer: issuer.issuer,
      audience: 'https://api.example.test',
      resourceMetadata: { resource: 'https://api.example.test' },
    }),
  ])
  http = createServer((req, res) => {
    const answer = metadata(req.method ?? 'GET', req.url ?? '/')
    if (answer !== undefined) {
      writeNodeResponse(res, answer)
      return
    }
    const chain = table[new URL(req.url ?? '/', 'http://x').pathname] ?? []
    void (async () => {
      for (const handler of chain) if (!(await handler(req, res))) return
      const auth = authOf(req)
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ subject: auth?.subject ?? null }))
    })().catch((error: unknown) => {
      res.statusCode = 500
      res.end(error instanceof Error ? error.message : 'error')
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => http.close(resolve))
  await issuer.close()
})

function get(path: string, token?: string): Promise<Response> {
  return fetch(base + path, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
}

describe('a node:http adapter built from the kit', () => {
  it('lets a token with the scope through and stores its auth on the request', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const res = await get('/files', token)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ subject: 'user-123' })
    expect(res.headers.get('cache-control')).toBeNull()
  })

  it('answers a missing scope with 403 and the scope in the challenge', async () => {
    const res = await get('/files', await issuer.sign({ scope: 'other' }))
    expect(res.status).toBe(403)
    const challenge = res.headers.get('www-authenticate')
    expect(challenge).toMatch(/^Bearer realm="api", error="insufficient_scope", /)
    expect(challenge).toContain('scope="files:read"')
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' })
  })

  it('answers a failed claim requirement with 403', async () => {
    expect((await get('/admin', await issuer.sign({ role: 'user' }))).status).toBe(403)
    expect((await get('/admin', await issuer.sign({ role: 'admin' }))).status).toBe(200)
  })

  it('answers a request without a token with 401, the full challenge and no-store', async () => {
    const res = await get('/files')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('Bearer realm="api"')
    expect(res.headers.get('www-authenticate')).toContain('resource_metadata="')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('marks a response authorized by a query token private (RFC 6750 §2.3)', async () => {
    const token = await issuer.sign()
    const res = await fetch(`${base}/query?access_token=${token}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('private')
  })

  it('answers a requirement after an optional protect with 401 for an anonymous request', async () => {
    const res = await get('/optional')
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe(
      (await get('/files')).headers.get('www-authenticate'),
    )
    const ok = await get('/optional', await issuer.sign({ scope: 'files:read' }))
    expect(ok.status).toBe(200)
  })

  it('lets a requirement without protect fail as a server bug (500), never as a pass', async () => {
    const res = await get('/unprotected', await issuer.sign({ scope: 'files:read' }))
    expect(res.status).toBe(500)
    expect(await res.text()).toBe(NO_AUTH)
  })

  it('creates the resource server from options', async () => {
    expect((await get('/options', await issuer.sign())).status).toBe(200)
    expect((await get('/options')).status).toBe(401)
  })

  it('serves the metadata document through writeNodeResponse', async () => {
    const res = await fetch(`${base}/.well-known/oauth-protected-resource`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ resource: 'https://api.example.test' })
  })
})

describe('fromNodeRequest', () => {
  it('reads method, target, headers, raw headers and peer address of a real request', async () => {
    seen.length = 0
    const res = await fetch(`${base}/record?x=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer a', 'x-extra': 'b' },
    })
    expect(res.status).toBe(200)
    const [request] = seen
    expect(request).toMatchObject({
      method: 'POST',
      url: '/mounted/record?x=1',
      protocol: 'https',
      body: undefined,
      clientCertificate: undefined,
      remoteAddress: '127.0.0.1',
    })
    expect(request?.headers).toMatchObject({ authorization: 'Bearer a', 'x-extra': 'b' })
    expect(request?.rawHeaders).toContain('Bearer a')
  })

  it('defaults the target to req.url and the scheme to the connection', () => {
    const request = fromNodeRequest({ url: '/a?b', headers: {}, socket: { encrypted: true } })
    expect(request).toMatchObject({ method: 'GET', url: '/a?b', protocol: 'https' })
    expect(fromNodeRequest({ headers: {} })).toMatchObject({ url: '/', protocol: 'http' })
  })
})

describe('successHeaders', () => {
  async function auth(extra: Partial<AuthInfo> = {}): Promise<AuthInfo> {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: 'https://api.example.test' })
    return { ...(await rs.verifyToken(await issuer.sign())), ...extra }
  }

  it('returns one shared empty object when there is nothing to set', async () => {
    const first = successHeaders(await auth())
    expect(first).toEqual({})
    expect(Object.isFrozen(first)).toBe(true)
    expect(successHeaders(await auth())).toBe(first)
  })

  it('sets Cache-Control: private for a query token, next to the server response headers', async () => {
    expect(successHeaders(await auth({ source: 'query' }))).toEqual({
      'Cache-Control': 'private',
    })
    const nonce = { 'DPoP-Nonce': 'n1' }
    expect(successHeaders(await auth({ responseHeaders: nonce }))).toEqual(nonce)
    expect(successHeaders(await auth({ source: 'query', responseHeaders: nonce }))).toEqual({
      'DPoP-Nonce': 'n1',
      'Cache-Control': 'private',
    })
  })
})

describe('the auth slot', () => {
  it('gives adapters getAuth and hasAuth, on the request or on a part of it', () => {
    const { getAuth, hasAuth } = authAccessors<{ state: object }>('no token', (ctx) => ctx.state)
    const ctx = { state: {} }
    expect(hasAuth(ctx)).toBe(false)
    expect(() => getAuth(ctx)).toThrow('no token')
    const auth = { subject: 's' } as unknown as AuthInfo
    recordAuth(ctx.state, auth, { challengeParams: {} })
    expect(hasAuth(ctx)).toBe(true)
    expect(getAuth<{ tenant: string }>(ctx)).toBe(auth)
    // an anonymous request on an optional route has no token
    const anonymous = { state: {} }
    recordAuth(anonymous.state, undefined, { challengeParams: {} })
    expect(hasAuth(anonymous)).toBe(false)
  })

  it('is read by every adapter from the same brand, and says what to register when empty', () => {
    const holder = {}
    expect(() => requireAuthOf(holder, 'register protect()')).toThrow('register protect()')
    const auth = { subject: 's' } as unknown as AuthInfo
    recordAuth(holder, auth, { challengeParams: {} })
    expect(requireAuthOf(holder, 'unused')).toBe(auth)
    // another library's `auth` property is not ours, and a copy of the holder carries no brand
    expect(authOf({ auth })).toBeUndefined()
    expect(authOf({ ...holder })).toBeUndefined()
  })
})

describe('options and requirements', () => {
  it('validates the errors option at construction, naming the function and the values', () => {
    expect(errorsOption('protect', undefined, ['respond', 'next'])).toBe('respond')
    expect(errorsOption('protect', 'next', ['respond', 'next'])).toBe('next')
    expect(() => errorsOption('protect', 'throw', ['respond', 'next'])).toThrow(ConfigurationError)
    expect(() => errorsOption('protect', 'throw', ['respond', 'next'])).toThrow(
      "scopeguard: protect() option errors must be 'respond' or 'next'",
    )
    expect(() => handlers.requirement(requireNothing(), { errors: 'next' as never })).toThrow(
      "scopeguard: requirement() option errors must be 'respond' or 'throw'",
    )
  })

  it('refuses a requirement that is not one, and wrong builder arguments, at route definition', () => {
    expect(() => handlers.requirement(undefined as never)).toThrow(ConfigurationError)
    expect(() => handlers.requireScope()).toThrow(/needs at least one scope/)
    expect(() => handlers.requireClaim('role', undefined as never)).toThrow(ConfigurationError)
  })

  it('hands requirement() its mode and the builders the default mode', () => {
    const modes: string[] = []
    const kit = requirementHandlers(['respond', 'next'], (_rule, mode) => modes.push(mode))
    kit.requirement(requireNothing(), { errors: 'next' })
    kit.requirement(requireNothing())
    kit.requireScope('a')
    expect(modes).toEqual(['next', 'respond', 'respond'])
  })

  it('maps every core builder, each to a handler running the matching requirement', () => {
    const rules: Requirement[] = []
    const kit = requirementHandlers((rule) => rules.push(rule))
    kit.requireScope('a')
    kit.requireAnyScope('a', 'b')
    kit.requireClaim('c', 'd')
    kit.requireAuthentication({ maxAge: 60 })
    kit.requireActor('svc')
    kit.requireDelegation()
    kit.refuseDelegation()
    expect(rules.map((rule) => rule.kind)).toEqual([
      'all-scopes',
      'any-scope',
      'claim',
      'authentication',
      'delegation',
      'delegation',
      'delegation',
    ])
  })

  it('refuses when a requirement of the application throws nothing useful', () => {
    const holder = {}
    recordAuth(holder, { effectiveScopes: new Set() } as unknown as AuthInfo, {
      challengeParams: {},
    })
    const silent: Requirement = {
      kind: 'claim',
      scopes: [],
      check() {
        throw undefined
      },
    }
    expect(requirementError(silent, holder, NO_AUTH)).toBeInstanceOf(Error)
    expect(requirementError(requireNothing(), holder, NO_AUTH)).toBeUndefined()
  })

  it('returns the anonymous refusal for a marked request, and the plain Error otherwise', () => {
    const anonymous = {}
    recordAuth(anonymous, undefined, { challengeParams: { realm: 'r' } })
    const refusal = requirementError(requireNothing(), anonymous, NO_AUTH)
    expect(refusal).toBeInstanceOf(MissingTokenError)
    expect((refusal as MissingTokenError).headers['WWW-Authenticate']).toBe('Bearer realm="r"')
    const bug = requirementError(requireNothing(), {}, NO_AUTH)
    expect(bug).not.toBeInstanceOf(InsufficientScopeError)
    expect((bug as Error).message).toBe(NO_AUTH)
  })

  it('returns the given resource server, or creates one from options', () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: 'a' })
    expect(resourceServerOf(rs)).toBe(rs)
    expect(() => resourceServerOf({ issuer: 'not a url', audience: 'a' })).toThrow(
      ConfigurationError,
    )
  })
})

function requireNothing(): Requirement {
  return { kind: 'claim', scopes: [], check() {} }
}
