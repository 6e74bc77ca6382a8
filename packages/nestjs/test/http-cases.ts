// The HTTP test cases of @scopeguard/nestjs, shared by this package (NestJS 12) and
// tests/nestjs-11 (NestJS 11). Each request goes to a Nest app on Express, a Nest app on Fastify
// and the Express adapter's reference app; the answers must be identical.
import { HttpException, type ExecutionContext } from '@nestjs/common'
import { Test } from '@nestjs/testing'
import { createResourceServer, isOAuthError, type OAuthError } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestIssuer,
  rawRequest,
  tamper,
  type RawRequestOptions,
  type TestIssuer,
} from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  ScopeguardException,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type ScopeguardModuleOptions,
} from '../src/index.js'
import { startReference, type RunningReference } from './express-reference.js'
import {
  globalGuardModule,
  perRouteModule,
  PLATFORMS,
  recordedExceptions,
  startNest,
  type RunningApp,
} from './nest-apps.js'

const AUDIENCE = 'https://files.example.test'

/** The parts of an answer that must be identical across adapters. */
interface Observed {
  status: number
  wwwAuthenticate: string[] | undefined
  cacheControl: string[] | undefined
  contentType: string | undefined
  /** The body as sent, so that "identical" means byte for byte. */
  text: string
  body: unknown
}

async function observe(origin: string, request: RawRequestOptions): Promise<Observed> {
  const response = await rawRequest(origin, request)
  let body: unknown = response.body
  try {
    body = JSON.parse(response.body)
  } catch {
    // not JSON: compared as text
  }
  return {
    status: response.status,
    wwwAuthenticate: response.headers['www-authenticate'],
    cacheControl: response.headers['cache-control'],
    contentType: response.headers['content-type']?.[0]?.replace(/\s+/g, '').toLowerCase(),
    text: response.body,
    body,
  }
}

function challengeOf(observed: Observed): Record<string, string> {
  expect(observed.wwwAuthenticate).toHaveLength(1)
  const [challenge, ...others] = parseChallenges(observed.wwwAuthenticate?.[0] ?? '')
  // The default `dpop: 'allowed'` offers DPoP (RFC 9449 §7.1) after Bearer.
  expect(others.map((other) => other.scheme)).toEqual(['DPoP'])
  expect(challenge?.scheme).toBe('Bearer')
  return { ...challenge?.params }
}

/** One request, the status it must get and, for errors, the challenge parameters it must carry. */
interface HttpCase {
  name: string
  app?: 'global' | 'per-route'
  request(issuer: TestIssuer): Promise<RawRequestOptions>
  status: number
  challenge?: Record<string, string>
  body?: unknown
}

const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
const get = (path: string, token?: string): RawRequestOptions => ({
  path,
  headers: token === undefined ? [] : bearer(token),
})
const now = (): number => Math.floor(Date.now() / 1000)

const CASES: HttpCase[] = [
  {
    name: 'a valid token with the scope reaches the handler, with @Auth() filled in',
    request: async (issuer) => get('/files', await issuer.sign({ scope: 'files:read' })),
    status: 200,
    body: { sub: 'user-123', scopes: ['files:read'] },
  },
  {
    name: 'no token: 401 with a challenge without an error code',
    request: async () => get('/files'),
    status: 401,
    challenge: { realm: 'api' },
    body: { error: 'missing_token', error_description: 'No access token was provided' },
  },
  {
    name: 'a Basic header counts as no token: 401',
    request: async () => ({ path: '/files', headers: [['Authorization', 'Basic dXNlcjpwYXNz']] }),
    status: 401,
    challenge: { realm: 'api' },
  },
  {
    name: 'a tampered signature: 401 invalid_token',
    request: async (issuer) => get('/files', tamper(await issuer.sign({ scope: 'files:read' }))),
    status: 401,
    challenge: {
      realm: 'api',
      error: 'invalid_token',
      error_description: 'The access token signature is invalid',
    },
  },
  {
    name: 'an expired token: 401 invalid_token',
    request: async (issuer) =>
      get('/files', await issuer.sign({ scope: 'files:read' }, { expiresIn: -60 })),
    status: 401,
    challenge: { error: 'invalid_token', error_description: 'The access token expired' },
  },
  {
    name: 'a token for another audience: 401 invalid_token',
    request: async (issuer) => get('/files', await issuer.sign({ aud: 'https://other.example' })),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
  {
    name: 'a token from another issuer: 401 invalid_token',
    request: async (issuer) => get('/files', await issuer.sign({ iss: 'https://evil.example' })),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
  {
    name: 'a token not valid yet: 401 invalid_token',
    request: async (issuer) => get('/files', await issuer.sign({ nbf: now() + 600 })),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
  {
    name: 'alg none: 401 invalid_token',
    request: async (issuer) => get('/files', await issuer.sign({}, { alg: 'none' })),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
  {
    name: 'a token that is not a JWT: 401 invalid_token',
    request: async () => get('/files', 'not-a-jwt'),
    status: 401,
    challenge: { error: 'invalid_token', error_description: 'The access token is malformed' },
  },
  {
    name: 'a malformed Authorization header: 400 invalid_request',
    request: async () => ({ path: '/files', headers: [['Authorization', 'Bearer a b']] }),
    status: 400,
    challenge: { realm: 'api', error: 'invalid_request' },
  },
  {
    name: 'two Authorization headers: 400 invalid_request',
    request: async (issuer) => {
      const token = await issuer.sign({ scope: 'files:read' })
      return { path: '/files', headers: [...bearer(token), ...bearer(token)] }
    },
    status: 400,
    challenge: { error: 'invalid_request' },
  },
  {
    name: 'a token in the header and the query: 400 invalid_request',
    request: async (issuer) => {
      const token = await issuer.sign({ scope: 'files:read' })
      return { path: `/files?access_token=${token}`, headers: bearer(token) }
    },
    status: 400,
    challenge: { error: 'invalid_request' },
  },
  {
    name: 'a missing scope: 403 insufficient_scope naming the scope',
    request: async (issuer) => ({
      method: 'POST',
      path: '/files',
      headers: [...bearer(await issuer.sign({ scope: 'files:read' }))],
    }),
    status: 403,
    challenge: { realm: 'api', error: 'insufficient_scope', scope: 'files:write' },
  },
  {
    name: 'POST with the scope: 201',
    request: async (issuer) => ({
      method: 'POST',
      path: '/files',
      headers: [
        ...bearer(await issuer.sign({ scope: 'files:write' })),
        ['Content-Type', 'application/json'],
      ],
      body: '{"name":"a.txt"}',
    }),
    status: 201,
    body: { created: true },
  },
  {
    name: '@AnyScope accepts one of its scopes',
    request: async (issuer) => get('/any', await issuer.sign({ scope: 'account:read' })),
    status: 200,
  },
  {
    name: '@AnyScope refuses a token with none of them: 403 listing the alternatives',
    request: async (issuer) => get('/any', await issuer.sign({ scope: 'other' })),
    status: 403,
    challenge: { error: 'insufficient_scope', scope: 'files:read account:read' },
  },
  {
    name: '@RequireClaim accepts the claim value',
    request: async (issuer) => get('/acme', await issuer.sign({ tenant: 'acme' })),
    status: 200,
  },
  {
    name: '@RequireClaim refuses another value with 403, not 401',
    request: async (issuer) => get('/acme', await issuer.sign({ tenant: 'globex' })),
    status: 403,
    challenge: { error: 'insufficient_scope' },
  },
  {
    name: '@RequireClaim with includes accepts a space-separated string claim holding the value',
    request: async (issuer) => get('/admins', await issuer.sign({ roles: 'user admin' })),
    status: 200,
  },
  {
    name: '@RequireClaim with includes accepts an array claim holding the value',
    request: async (issuer) => get('/admins', await issuer.sign({ roles: ['admin'] })),
    status: 200,
  },
  {
    name: '@RequireClaim with includes refuses a claim without it, with the custom description',
    request: async (issuer) => get('/admins', await issuer.sign({ roles: 'user administrator' })),
    status: 403,
    challenge: { error: 'insufficient_scope', error_description: 'Administrators only' },
  },
  {
    name: 'class and handler @Scopes merge: the class scope alone is 403 naming both',
    request: async (issuer) => get('/merged', await issuer.sign({ scope: 'files' })),
    status: 403,
    challenge: { error: 'insufficient_scope', scope: 'files files:write' },
  },
  {
    name: 'class and handler @Scopes merge: the handler scope alone is 403',
    request: async (issuer) => get('/merged', await issuer.sign({ scope: 'files:write' })),
    status: 403,
    challenge: { error: 'insufficient_scope', scope: 'files files:write' },
  },
  {
    name: 'class and handler @Scopes merge: both scopes pass',
    request: async (issuer) => get('/merged', await issuer.sign({ scope: 'files:write files' })),
    status: 200,
  },
  {
    name: 'class @Scopes apply to a handler without its own',
    request: async (issuer) => get('/merged/class-only', await issuer.sign({ scope: 'other' })),
    status: 403,
    challenge: { scope: 'files' },
  },
  {
    name: 'two @Scopes on one handler both apply',
    request: async (issuer) => get('/twice', await issuer.sign({ scope: 'files:read' })),
    status: 403,
    challenge: { scope: 'files:read files:write' },
  },
  {
    name: '@Public under the global guard needs no token',
    request: async () => get('/health'),
    status: 200,
    body: { status: 'ok' },
  },
  {
    name: '@Public under the global guard ignores even an invalid token',
    request: async (issuer) => get('/health', tamper(await issuer.sign())),
    status: 200,
  },
  {
    name: 'the global guard protects a route without any decorator',
    request: async () => get('/me'),
    status: 401,
    challenge: { realm: 'api' },
  },
  {
    name: '@Auth() gives the auth object',
    request: async (issuer) => get('/me', await issuer.sign({ scope: 'account:read files:read' })),
    status: 200,
    body: { sub: 'user-123', client_id: 'client-abc', scopes: ['account:read', 'files:read'] },
  },
  {
    name: "@Auth('subject') gives one property",
    request: async (issuer) => get('/subject', await issuer.sign()),
    status: 200,
    body: { subject: 'user-123' },
  },
  {
    name: '@OptionalAuth lets a request without a token through as anonymous',
    request: async () => get('/optional'),
    status: 200,
    body: { anonymous: true },
  },
  {
    name: '@OptionalAuth still authenticates a token',
    request: async (issuer) => get('/optional', await issuer.sign()),
    status: 200,
    body: { anonymous: false },
  },
  {
    name: '@OptionalAuth still rejects an invalid token with 401',
    request: async (issuer) => get('/optional', tamper(await issuer.sign())),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
  {
    name: 'a core error thrown in a handler is rendered by ScopeguardExceptionFilter',
    request: async (issuer) => get('/in-handler', await issuer.sign({ tenant: 'globex' })),
    status: 403,
    challenge: { realm: 'api', error: 'insufficient_scope' },
  },
  {
    name: 'without a global guard, an unguarded route needs no token',
    app: 'per-route',
    request: async () => get('/open'),
    status: 200,
    body: { open: true },
  },
  {
    name: '@UseGuards(ScopeguardGuard) on a handler: 401 without a token',
    app: 'per-route',
    request: async () => get('/guarded'),
    status: 401,
    challenge: { realm: 'api' },
  },
  {
    name: '@UseGuards(ScopeguardGuard) on a handler: 403 without the scope',
    app: 'per-route',
    request: async (issuer) => get('/guarded', await issuer.sign({ scope: 'other' })),
    status: 403,
    challenge: { scope: 'files:read' },
  },
  {
    name: '@UseGuards(ScopeguardGuard) on a handler: 200 with the scope',
    app: 'per-route',
    request: async (issuer) => get('/guarded', await issuer.sign({ scope: 'files:read' })),
    status: 200,
    body: { subject: 'user-123' },
  },
  {
    name: '@UseGuards(ScopeguardGuard) on a controller: 401 invalid_token',
    app: 'per-route',
    request: async (issuer) => get('/guarded-class', tamper(await issuer.sign())),
    status: 401,
    challenge: { error: 'invalid_token' },
  },
]

/**
 * Registers every case on Express and Fastify, comparing each Nest answer with the Express
 * adapter's, plus the cases that have no Express counterpart (bootstrap errors, 500s, contexts).
 */
export function describeHttpCases(): void {
  let issuer: TestIssuer
  let reference: RunningReference
  const options = (): ScopeguardModuleOptions => ({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
  })

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    reference = await startReference(createResourceServer(options()))
  })
  afterAll(async () => {
    await reference?.close()
    await issuer?.close()
  })

  for (const platform of PLATFORMS) {
    describe(`on ${platform}`, () => {
      const apps: Partial<Record<'global' | 'per-route', RunningApp>> = {}
      beforeAll(async () => {
        apps.global = await startNest(globalGuardModule(options()), platform)
        apps['per-route'] = await startNest(perRouteModule(options()), platform)
      })
      afterAll(async () => {
        await apps.global?.close()
        await apps['per-route']?.close()
      })

      for (const testCase of CASES) {
        it(`${testCase.name}, as the Express adapter answers`, async () => {
          const request = await testCase.request(issuer)
          const app = apps[testCase.app ?? 'global'] as RunningApp
          const nest = await observe(app.origin, request)
          const express = await observe(reference.origin, request)
          expect(nest).toEqual(express)
          expect(nest.status).toBe(testCase.status)
          if (testCase.body !== undefined) expect(nest.body).toEqual(testCase.body)
          if (testCase.status >= 400) {
            expect(nest.cacheControl).toEqual(['no-store'])
            expect(nest.contentType).toBe('application/json;charset=utf-8')
            const body = nest.body as Record<string, unknown>
            expect(Object.keys(body).sort()).toEqual(['error', 'error_description'])
            const params = challengeOf(nest)
            expect(params).toMatchObject(testCase.challenge ?? {})
            if (params['error'] !== undefined) {
              expect(params['error']).toBe(body['error'])
              expect(params['error_description']).toBe(body['error_description'])
            }
          }
        })
      }

      it('throws a ScopeguardException: an HttpException keeping the core error as cause', async () => {
        recordedExceptions.length = 0
        const token = await issuer.sign({}, { expiresIn: -60 })
        const nest = await observe(apps['per-route']!.origin, get('/recorded', token))
        expect(nest).toEqual(await observe(reference.origin, get('/recorded', token)))
        expect(recordedExceptions).toHaveLength(1)
        const exception = recordedExceptions[0] as ScopeguardException
        expect(exception).toBeInstanceOf(ScopeguardException)
        expect(exception).toBeInstanceOf(HttpException)
        expect(exception.getStatus()).toBe(401)
        expect(exception.getResponse()).toEqual(nest.body)
        expect(exception.headers['WWW-Authenticate']).toBe(nest.wwwAuthenticate?.[0])
        expect(exception.code).toBe('invalid_token')
        expect(exception.message).toBe('The access token expired')
        expect(isOAuthError(exception.cause)).toBe(true)
        expect((exception.cause as OAuthError).reason).toBe('expired')
      })

      it('answers @Auth() on a route without the guard with a 500 that names the guard', async () => {
        const app = apps['per-route']!
        app.errors.length = 0
        const answer = await observe(app.origin, get('/forgot-guard', await issuer.sign()))
        expect(answer.status).toBe(500)
        expect(app.errors.join('\n')).toMatch(/protect the route with ScopeguardGuard/)
      })

      it('answers 503 without a challenge when the JWKS is down, as the Express adapter', async () => {
        const down = await createTestIssuer({ audience: AUDIENCE })
        const downOptions = { issuer: down.issuer, audience: AUDIENCE, logger: false as const }
        const nest = await startNest(globalGuardModule(downOptions), platform)
        const express = await startReference(createResourceServer(downOptions))
        try {
          const token = await down.sign({ scope: 'files:read' })
          down.setFault('jwks', { status: 502 })
          const fromNest = await observe(nest.origin, get('/files', token))
          expect(fromNest).toEqual(await observe(express.origin, get('/files', token)))
          expect(fromNest.status).toBe(503)
          expect(fromNest.wwwAuthenticate).toBeUndefined()
          expect(fromNest.cacheControl).toEqual(['no-store'])
          expect(fromNest.body).toMatchObject({ error: 'temporarily_unavailable' })
        } finally {
          await nest.close()
          await express.close()
          await down.close()
        }
      })

      it('fails the bootstrap with a clear message for a wrong configuration', async () => {
        await expect(
          startNest(
            globalGuardModule({ issuer: 'http://auth.example.com', audience: AUDIENCE }),
            platform,
          ),
        ).rejects.toThrow(/issuer: .*allowInsecureHttp/)
      })
    })
  }

  describe('other execution contexts', () => {
    class RpcController {
      @Scopes('files:read')
      handle(): void {}
    }
    const rpcContext = {
      getType: () => 'rpc',
      getClass: () => RpcController,
      getHandler: () => RpcController.prototype.handle,
      getArgs: () => [{}, {}],
      getArgByIndex: () => ({}),
    } as unknown as ExecutionContext

    async function guardWith(extra: Partial<ScopeguardModuleOptions>): Promise<ScopeguardGuard> {
      const moduleRef = await Test.createTestingModule({
        imports: [ScopeguardModule.forRoot({ ...options(), ...extra })],
      }).compile()
      return moduleRef.get(ScopeguardGuard)
    }

    it('denies a context it cannot read a request from (fail closed)', async () => {
      expect(await (await guardWith({})).canActivate(rpcContext)).toBe(false)
    })

    it('lets through the context types listed in skipContextTypes', async () => {
      const guard = await guardWith({ skipContextTypes: ['rpc'] })
      expect(await guard.canActivate(rpcContext)).toBe(true)
    })
  })
}
