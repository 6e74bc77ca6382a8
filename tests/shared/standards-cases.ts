// The standards surface every adapter exposes, as one table of HTTP cases: protected resource
// metadata (RFC 9728), step-up authentication (RFC 9470), delegation (RFC 8693) and
// certificate-bound tokens (RFC 8705), following the test cases of the spec digests. This one
// file is imported (by relative path) by the tests of @scopeguard/express, koa, nestjs and
// passport, and by tests/nestjs-11; each builds the app described by `StandardsServers` with its
// own framework.
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestCertificate,
  createTestIssuer,
  rawRequest,
  tamper,
  type RawRequestOptions,
  type TestCertificate,
  type TestIssuer,
} from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

export const AUDIENCE = 'https://files.example.test'
export const MCP_RESOURCE = 'https://files.example.test/mcp'
const METADATA_URL = 'https://files.example.test/.well-known/oauth-protected-resource'
const MCP_METADATA_URL = 'https://files.example.test/.well-known/oauth-protected-resource/mcp'
/** The header a (simulated) TLS-terminating proxy puts the client certificate in. */
export const CERTIFICATE_HEADER = 'x-client-cert'

/**
 * The resource servers the app under test uses. The app must serve, on plain HTTP and on HTTPS
 * (`requestCert: true`, `rejectUnauthorized: false`) alike:
 *
 * - the metadata documents of `files` and `mcp` (at `/.well-known/oauth-protected-resource` and
 *   `/.well-known/oauth-protected-resource/mcp`)
 * - with `files`: `GET /files` (requires `files:read`), `GET /step-up/mfa` (acrValues `urn:mfa`),
 *   `/step-up/either` (acrValues `a`, `b`), `/step-up/recent` (maxAge 300), `/step-up/both`
 *   (`urn:mfa` and maxAge 300), `/step-up/write` (`urn:mfa`, then scope `files:write`),
 *   `/delegation/chain` (answers `{ actors: auth.actors.map(a => a.subject), mayAct: auth.mayAct }`),
 *   `/delegation/required` (requireDelegation), `/delegation/refused` (refuseDelegation),
 *   `/delegation/actor` (requireActor('svc-a'))
 * - with `mcp`: `GET /mcp`, and `GET /mcp/tools` requiring `mcp:tools` in a way that names it in
 *   the route's 401 challenges (`requiredScopes: ['mcp:tools']` on protect, `@Scopes('mcp:tools')`
 *   in NestJS)
 * - with `proxy`: `GET /proxied/files` (requires `files:read`)
 * - with `elsewhere`: `GET /elsewhere/files` (requires `files:read`)
 *
 * Every successful route answers JSON (`{ ok: true }` unless said otherwise).
 */
export interface StandardsServers {
  files: ResourceServer
  mcp: ResourceServer
  /** Reads the certificate header from the loopback proxy (the tests' own connections). */
  proxy: ResourceServer
  /** Reads it only from a proxy at another address: the tests' header must be ignored. */
  elsewhere: ResourceServer
  /** The server's certificate, for the HTTPS listener. */
  tls: TestCertificate
}

/** The running app: its plain HTTP and its HTTPS origin. */
export interface StandardsApp {
  http: string
  https: string
  close(): Promise<void>
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return String((server.address() as AddressInfo).port)
}

/**
 * Serves a Node request listener (an Express app, Koa's `app.callback()`) as a
 * {@link StandardsApp}: over HTTP and over HTTPS with `tls`, asking for (but not requiring) a
 * client certificate.
 */
export async function serveStandardsApp(
  listener: RequestListener,
  tls: TestCertificate,
): Promise<StandardsApp> {
  const plain = createHttpServer(listener)
  const secure = createHttpsServer(
    { cert: tls.certificate, key: tls.privateKey, requestCert: true, rejectUnauthorized: false },
    listener,
  )
  const [httpPort, httpsPort] = [await listen(plain), await listen(secure)]
  return {
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://127.0.0.1:${httpsPort}`,
    close: async () => {
      for (const server of [plain, secure]) {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    },
  }
}

interface Context {
  issuer: TestIssuer
  clientA: TestCertificate
  clientB: TestCertificate
}

interface Expect {
  status: number
  /** Parameters the Bearer challenge must have (a subset). */
  challenge?: Record<string, string>
  /** Parameters it must not have. */
  without?: string[]
  /** A subset of the JSON body, or the exact text body. */
  body?: Record<string, unknown> | string
  /** Response headers (lower-case names) and their exact values. */
  headers?: Record<string, string>
}

interface Case {
  name: string
  over?: 'http' | 'https'
  request(context: Context): Promise<RawRequestOptions>
  expect: Expect
}

const now = (): number => Math.floor(Date.now() / 1000)
const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
const get = (path: string, token?: string): RawRequestOptions => ({
  path,
  headers: token === undefined ? [] : bearer(token),
})
const pem = (certificate: TestCertificate): string => certificate.certificate.replace(/\r?\n/g, '')
const ok: Expect = { status: 200, body: { ok: true } }
const stepUp = (params: Record<string, string>, without: string[] = []): Expect => ({
  status: 401,
  challenge: {
    error: 'insufficient_user_authentication',
    resource_metadata: METADATA_URL,
    ...params,
  },
  without,
  body: { error: 'insufficient_user_authentication' },
})
const forbidden: Expect = {
  status: 403,
  challenge: { error: 'insufficient_scope', resource_metadata: METADATA_URL },
  body: { error: 'insufficient_scope' },
}
const invalidToken: Expect = {
  status: 401,
  challenge: { error: 'invalid_token', resource_metadata: METADATA_URL },
  body: { error: 'invalid_token' },
}

const CASES: Case[] = [
  // --- RFC 9728 protected resource metadata ---
  {
    name: 'metadata: GET the document without a token (200 JSON, cacheable, CORS-readable)',
    request: async () => get('/.well-known/oauth-protected-resource'),
    expect: {
      status: 200,
      body: {
        resource: AUDIENCE,
        scopes_supported: ['files:read', 'files:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Files',
      },
      headers: { 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' },
    },
  },
  {
    name: 'metadata: a resource with a path is served at the inserted path, with its own resource',
    request: async () => get('/.well-known/oauth-protected-resource/mcp'),
    expect: { status: 200, body: { resource: MCP_RESOURCE } },
  },
  {
    name: 'metadata: a garbage token does not matter on the well-known route',
    request: async () => get('/.well-known/oauth-protected-resource', 'garbage'),
    expect: { status: 200, body: { resource: AUDIENCE } },
  },
  {
    name: 'metadata: HEAD answers the headers without a body',
    request: async () => ({ method: 'HEAD', path: '/.well-known/oauth-protected-resource' }),
    expect: { status: 200, body: '', headers: { 'access-control-allow-origin': '*' } },
  },
  {
    name: 'metadata: POST to the well-known path is not the document',
    request: async () => ({ method: 'POST', path: '/.well-known/oauth-protected-resource' }),
    expect: { status: 404 },
  },
  {
    name: 'metadata: a CORS preflight is answered 204',
    request: async () => ({
      method: 'OPTIONS',
      path: '/.well-known/oauth-protected-resource',
      headers: [
        ['Origin', 'https://client.example'],
        ['Access-Control-Request-Method', 'GET'],
      ],
    }),
    expect: { status: 204, headers: { 'access-control-allow-origin': '*' } },
  },
  {
    name: 'metadata: no token → 401 whose challenge names the document',
    request: async () => get('/files'),
    expect: { status: 401, challenge: { resource_metadata: METADATA_URL }, without: ['error'] },
  },
  {
    name: 'metadata: an invalid token → 401 invalid_token naming the document',
    request: async ({ issuer }) =>
      get('/files', tamper(await issuer.sign({ scope: 'files:read' }))),
    expect: invalidToken,
  },
  {
    name: 'metadata: missing scope → 403 insufficient_scope naming the document and the scope',
    request: async ({ issuer }) => get('/files', await issuer.sign({ scope: 'account:read' })),
    expect: {
      status: 403,
      challenge: {
        error: 'insufficient_scope',
        scope: 'files:read',
        resource_metadata: METADATA_URL,
      },
    },
  },
  {
    name: 'metadata: the /mcp resource challenges point to its own document',
    request: async () => get('/mcp'),
    expect: { status: 401, challenge: { resource_metadata: MCP_METADATA_URL } },
  },
  {
    name: 'metadata: a token for /mcp is accepted there',
    request: async ({ issuer }) => get('/mcp', await issuer.sign({ aud: MCP_RESOURCE })),
    expect: ok,
  },
  {
    name: 'metadata: a token for the root resource is refused by /mcp (audience)',
    request: async ({ issuer }) => get('/mcp', await issuer.sign({})),
    expect: {
      status: 401,
      challenge: { error: 'invalid_token', resource_metadata: MCP_METADATA_URL },
    },
  },
  // --- scopes in 401 challenges (RFC 6750 §3; the MCP authorization specification) ---
  {
    name: 'scopes: a 401 without a token names the route scopes (/mcp/tools)',
    request: async () => get('/mcp/tools'),
    expect: {
      status: 401,
      challenge: { scope: 'mcp:tools', resource_metadata: MCP_METADATA_URL },
      without: ['error'],
    },
  },
  {
    name: 'scopes: a 401 for an invalid token names them too',
    request: async ({ issuer }) =>
      get('/mcp/tools', tamper(await issuer.sign({ aud: MCP_RESOURCE, scope: 'mcp:tools' }))),
    expect: {
      status: 401,
      challenge: { error: 'invalid_token', scope: 'mcp:tools' },
      body: { error: 'invalid_token' },
    },
  },
  {
    name: 'scopes: a valid token without the scope gets 403 insufficient_scope naming it',
    request: async ({ issuer }) =>
      get('/mcp/tools', await issuer.sign({ aud: MCP_RESOURCE, scope: 'mcp:read' })),
    expect: {
      status: 403,
      challenge: { error: 'insufficient_scope', scope: 'mcp:tools' },
      body: { error: 'insufficient_scope' },
    },
  },
  {
    name: 'scopes: a token with the scope gets through',
    request: async ({ issuer }) =>
      get('/mcp/tools', await issuer.sign({ aud: MCP_RESOURCE, scope: 'mcp:tools' })),
    expect: ok,
  },
  {
    name: 'scopes: a route that names no scopes sends none in its 401',
    request: async () => get('/mcp'),
    expect: { status: 401, challenge: { resource_metadata: MCP_METADATA_URL }, without: ['scope'] },
  },
  // --- RFC 9470 step-up ---
  {
    name: 'step-up: acr urn:mfa is enough',
    request: async ({ issuer }) => get('/step-up/mfa', await issuer.sign({ acr: 'urn:mfa' })),
    expect: ok,
  },
  {
    name: 'step-up: acr urn:pwd → 401 insufficient_user_authentication with acr_values',
    request: async ({ issuer }) => get('/step-up/mfa', await issuer.sign({ acr: 'urn:pwd' })),
    expect: stepUp({ acr_values: 'urn:mfa' }, ['max_age']),
  },
  {
    name: 'step-up: no acr → the same 401',
    request: async ({ issuer }) => get('/step-up/mfa', await issuer.sign({})),
    expect: stepUp({ acr_values: 'urn:mfa' }),
  },
  {
    name: 'step-up: acr_values keep the order of preference',
    request: async ({ issuer }) => get('/step-up/either', await issuer.sign({ acr: 'c' })),
    expect: stepUp({ acr_values: 'a b' }),
  },
  {
    name: 'step-up: the second acceptable acr is accepted',
    request: async ({ issuer }) => get('/step-up/either', await issuer.sign({ acr: 'b' })),
    expect: ok,
  },
  {
    name: 'step-up: auth_time 100 s ago is recent enough for max_age 300',
    request: async ({ issuer }) =>
      get('/step-up/recent', await issuer.sign({ auth_time: now() - 100 })),
    expect: ok,
  },
  {
    name: 'step-up: auth_time 400 s ago → 401 with max_age="300"',
    request: async ({ issuer }) =>
      get('/step-up/recent', await issuer.sign({ auth_time: now() - 400 })),
    expect: stepUp({ max_age: '300' }, ['acr_values']),
  },
  {
    name: 'step-up: no auth_time → 401 with max_age',
    request: async ({ issuer }) => get('/step-up/recent', await issuer.sign({})),
    expect: stepUp({ max_age: '300' }),
  },
  {
    name: 'step-up: both violated → one challenge with acr_values and max_age',
    request: async ({ issuer }) =>
      get('/step-up/both', await issuer.sign({ acr: 'urn:pwd', auth_time: now() - 400 })),
    expect: stepUp({ acr_values: 'urn:mfa', max_age: '300' }),
  },
  {
    name: 'step-up: an invalid token is invalid_token, not a step-up challenge',
    request: async ({ issuer }) =>
      get('/step-up/mfa', await issuer.sign({ acr: 'urn:pwd' }, { expiresIn: -120 })),
    expect: { ...invalidToken, without: ['acr_values', 'max_age'] },
  },
  {
    name: 'step-up: weak authentication and missing scope → the 401 step-up comes first',
    request: async ({ issuer }) =>
      get('/step-up/write', await issuer.sign({ acr: 'urn:pwd', scope: 'files:read' })),
    expect: stepUp({ acr_values: 'urn:mfa' }),
  },
  {
    name: 'step-up: strong authentication but missing scope → 403',
    request: async ({ issuer }) =>
      get('/step-up/write', await issuer.sign({ acr: 'urn:mfa', scope: 'files:read' })),
    expect: {
      status: 403,
      challenge: { error: 'insufficient_scope', scope: 'files:write' },
    },
  },
  {
    name: 'step-up: an opaque token with top-level acr is judged like a JWT',
    request: async ({ issuer }) => get('/step-up/mfa', issuer.issueOpaque({ acr: 'urn:pwd' })),
    expect: stepUp({ acr_values: 'urn:mfa' }),
  },
  // --- RFC 8693 delegation ---
  {
    name: 'delegation: a token without act has an empty actor chain',
    request: async ({ issuer }) => get('/delegation/chain', await issuer.sign({})),
    expect: { status: 200, body: { actors: [] } },
  },
  {
    name: 'delegation: nested act claims give the chain, current actor first, and may_act',
    request: async ({ issuer }) =>
      get(
        '/delegation/chain',
        await issuer.sign({
          act: { sub: 'svc-b', act: { sub: 'svc-a', act: { sub: 'gateway' } } },
          may_act: { sub: 'admin@example.net' },
        }),
      ),
    expect: {
      status: 200,
      body: { actors: ['svc-b', 'svc-a', 'gateway'], mayAct: { sub: 'admin@example.net' } },
    },
  },
  {
    name: 'delegation: an act claim that is a string → 401 invalid_token',
    request: async ({ issuer }) => get('/delegation/chain', await issuer.sign({ act: 'svc-a' })),
    expect: invalidToken,
  },
  {
    name: 'delegation: requireActor(svc-a) accepts svc-a as the current actor',
    request: async ({ issuer }) =>
      get('/delegation/actor', await issuer.sign({ act: { sub: 'svc-a' } })),
    expect: ok,
  },
  {
    name: 'delegation: requireActor(svc-a) refuses svc-b with 403',
    request: async ({ issuer }) =>
      get('/delegation/actor', await issuer.sign({ act: { sub: 'svc-b' } })),
    expect: forbidden,
  },
  {
    name: 'delegation: requireActor looks only at the current actor, not prior ones',
    request: async ({ issuer }) =>
      get('/delegation/actor', await issuer.sign({ act: { sub: 'svc-b', act: { sub: 'svc-a' } } })),
    expect: forbidden,
  },
  {
    name: 'delegation: requireActor refuses a token without act',
    request: async ({ issuer }) => get('/delegation/actor', await issuer.sign({})),
    expect: forbidden,
  },
  {
    name: 'delegation: requireDelegation refuses a direct token with 403',
    request: async ({ issuer }) => get('/delegation/required', await issuer.sign({})),
    expect: forbidden,
  },
  {
    name: 'delegation: requireDelegation accepts a delegated token',
    request: async ({ issuer }) =>
      get('/delegation/required', await issuer.sign({ act: { sub: 'svc-a' } })),
    expect: ok,
  },
  {
    name: 'delegation: may_act alone is not delegation',
    request: async ({ issuer }) =>
      get('/delegation/required', await issuer.sign({ may_act: { sub: 'svc-a' } })),
    expect: forbidden,
  },
  {
    name: 'delegation: refuseDelegation refuses a delegated token with 403',
    request: async ({ issuer }) =>
      get('/delegation/refused', await issuer.sign({ act: { sub: 'svc-a' } })),
    expect: forbidden,
  },
  {
    name: 'delegation: refuseDelegation accepts a direct token',
    request: async ({ issuer }) => get('/delegation/refused', await issuer.sign({})),
    expect: ok,
  },
  {
    name: 'delegation: an opaque token carrying act yields the same chain',
    request: async ({ issuer }) =>
      get(
        '/delegation/chain',
        issuer.issueOpaque({ act: { sub: 'svc-b', act: { sub: 'svc-a' } } }),
      ),
    expect: { status: 200, body: { actors: ['svc-b', 'svc-a'] } },
  },
  // --- RFC 8705 certificate-bound tokens over mutual TLS ---
  {
    name: 'mTLS: the certificate the token is bound to → 200',
    over: 'https',
    request: async ({ issuer, clientA }) => ({
      ...get(
        '/files',
        await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
      ),
      clientCertificate: clientA,
    }),
    expect: { status: 200 },
  },
  {
    name: 'mTLS: another client certificate → 401 invalid_token',
    over: 'https',
    request: async ({ issuer, clientA, clientB }) => ({
      ...get(
        '/files',
        await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
      ),
      clientCertificate: clientB,
    }),
    expect: invalidToken,
  },
  {
    name: 'mTLS: no client certificate → 401 invalid_token',
    over: 'https',
    request: async ({ issuer, clientA }) =>
      get(
        '/files',
        await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
      ),
    expect: invalidToken,
  },
  {
    name: 'mTLS: the thumbprint is over DER, so a padded value does not match',
    over: 'https',
    request: async ({ issuer, clientA }) => ({
      ...get(
        '/files',
        await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': `${clientA.thumbprint}=` } }),
      ),
      clientCertificate: clientA,
    }),
    expect: invalidToken,
  },
  {
    name: 'mTLS: an unbound token works over mutual TLS too',
    over: 'https',
    request: async ({ issuer, clientB }) => ({
      ...get('/files', await issuer.sign({ scope: 'files:read' })),
      clientCertificate: clientB,
    }),
    expect: { status: 200 },
  },
  {
    name: 'mTLS: a bound opaque token (cnf in the introspection answer) is checked the same way',
    over: 'https',
    request: async ({ issuer, clientA, clientB }) => ({
      ...get(
        '/files',
        issuer.issueOpaque({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
      ),
      clientCertificate: clientB,
    }),
    expect: invalidToken,
  },
  {
    name: 'mTLS: a certificate header is ignored unless configured',
    request: async ({ issuer, clientA }) => ({
      path: '/files',
      headers: [
        ...bearer(
          await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
        ),
        [CERTIFICATE_HEADER, pem(clientA)],
      ],
    }),
    expect: invalidToken,
  },
  {
    name: 'mTLS proxy: the configured header carries the certificate → 200',
    request: async ({ issuer, clientA }) => ({
      path: '/proxied/files',
      headers: [
        ...bearer(
          await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
        ),
        [CERTIFICATE_HEADER, pem(clientA)],
      ],
    }),
    expect: { status: 200 },
  },
  {
    name: 'mTLS proxy: another certificate in the header → 401',
    request: async ({ issuer, clientA, clientB }) => ({
      path: '/proxied/files',
      headers: [
        ...bearer(
          await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
        ),
        [CERTIFICATE_HEADER, pem(clientB)],
      ],
    }),
    expect: { status: 401, challenge: { error: 'invalid_token' } },
  },
  {
    name: 'mTLS proxy: the header from a peer that is not a trusted proxy is ignored → 401',
    request: async ({ issuer, clientA }) => ({
      path: '/elsewhere/files',
      headers: [
        ...bearer(
          await issuer.sign({ scope: 'files:read', cnf: { 'x5t#S256': clientA.thumbprint } }),
        ),
        [CERTIFICATE_HEADER, pem(clientA)],
      ],
    }),
    expect: { status: 401, challenge: { error: 'invalid_token' } },
  },
]

/** Creates the resource servers of {@link StandardsServers} for a test issuer. */
async function createServers(issuer: TestIssuer): Promise<StandardsServers> {
  const introspection = { clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret }
  const files = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    introspection,
    resourceMetadata: {
      resource: AUDIENCE,
      scopesSupported: ['files:read', 'files:write'],
      resourceName: 'Files',
    },
  })
  const mcp = createResourceServer({
    issuer: issuer.issuer,
    audience: MCP_RESOURCE,
    resourceMetadata: { resource: MCP_RESOURCE },
  })
  const proxy = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    mtls: { certificateHeader: CERTIFICATE_HEADER, trustedProxies: ['127.0.0.1'] },
  })
  const elsewhere = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    mtls: { certificateHeader: CERTIFICATE_HEADER, trustedProxies: ['10.9.9.9'] },
  })
  const tls = await createTestCertificate({ commonName: 'localhost', altNames: ['IP:127.0.0.1'] })
  return { files, mcp, proxy, elsewhere, tls }
}

const CLIENT = { clientId: 'standards-api', clientSecret: 'standards-secret-0123456789' }

/**
 * Runs the standards cases against an app built by `start`, which must listen on 127.0.0.1 over
 * HTTP and HTTPS (see {@link StandardsServers}).
 */
export function describeStandardsCases(
  adapter: string,
  start: (servers: StandardsServers) => Promise<StandardsApp>,
): void {
  describe(`${adapter}: RFC 9728 / 9470 / 8693 / 8705 through HTTP`, () => {
    let context: Context
    let app: StandardsApp

    beforeAll(async () => {
      const issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
      const [clientA, clientB] = await Promise.all([
        createTestCertificate({ commonName: 'client-a' }),
        createTestCertificate({ commonName: 'client-b' }),
      ])
      context = { issuer, clientA, clientB }
      app = await start(await createServers(issuer))
    }, 30_000)

    afterAll(async () => {
      await app?.close()
      await context?.issuer.close()
    })

    for (const testCase of CASES) {
      it(testCase.name, async () => {
        const request = await testCase.request(context)
        const response = await rawRequest(testCase.over === 'https' ? app.https : app.http, request)
        const expected = testCase.expect
        let body: unknown
        try {
          body = JSON.parse(response.body)
        } catch {
          body = response.body
        }
        expect(response.status, JSON.stringify(body)).toBe(expected.status)
        if (typeof expected.body === 'string') expect(response.body).toBe(expected.body)
        else if (expected.body !== undefined) expect(body).toMatchObject(expected.body)
        for (const [name, value] of Object.entries(expected.headers ?? {})) {
          expect(response.headers[name], name).toEqual([value])
        }
        if (expected.status === 200) {
          expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/)
        }
        if (expected.challenge !== undefined) {
          // Other schemes (DPoP) may be offered alongside; the Bearer challenge is checked here.
          const challenges = (response.headers['www-authenticate'] ?? []).flatMap((value) =>
            parseChallenges(value),
          )
          const bearers = challenges.filter((c) => c.scheme.toLowerCase() === 'bearer')
          expect(bearers).toHaveLength(1)
          const challenge = bearers[0]
          expect(challenge?.params).toMatchObject(expected.challenge)
          for (const name of expected.without ?? []) {
            expect(challenge?.params, name).not.toHaveProperty(name)
          }
          expect(response.headers['cache-control']).toEqual(['no-store'])
        } else if (expected.status < 300) {
          expect(response.headers['www-authenticate']).toBeUndefined()
        }
      })
    }
  })
}
