import { generateTestKey, tamper, type TestIssuer } from '@scopeguard/testing'

/** An HTTP request, sent byte for byte (so duplicate headers and tabs are possible). */
export interface RequestSpec {
  method?: string
  path: string
  headers?: [string, string][]
  body?: string
}

/** What every adapter must answer. */
export interface Expectation {
  status: number
  /**
   * Parameters the `Bearer` challenge must have (a subset; `error_description` is checked against
   * the body instead), or `null` when no `WWW-Authenticate` header may be sent.
   */
  challenge?: Record<string, string> | null
  /**
   * Parameters the `DPoP` challenge that follows `Bearer`'s must have (RFC 9449 §7.1), for errors
   * on the DPoP scheme; without it, the DPoP challenge must carry no `error`.
   */
  dpopChallenge?: Record<string, string>
  /** The JSON body's `error`, for error answers. */
  error?: string
  /** A subset of the JSON body, for successful answers. */
  body?: Record<string, unknown>
}

/** How the examples under test verify tokens. */
export type Mode = 'jwt' | 'opaque'

/** What a case can use to build its request. */
export interface CaseContext {
  issuer: TestIssuer
  audience: string
  mode: Mode
  /**
   * A token with these claims in the current mode: a signed JWT, or an opaque token that the
   * issuer's introspection endpoint describes with these claims.
   */
  mint(claims?: Record<string, unknown>, options?: { expiresIn?: number }): Promise<string>
}

/** One row of the matrix. */
export interface ConformanceCase {
  name: string
  /** Set for cases that exist in one mode only (JWT header tricks, local clock policy…). */
  only?: Mode
  request(context: CaseContext): Promise<RequestSpec>
  expect: Expectation
}

/**
 * The audience the examples run with. Being an https URL, it is also their resource identifier:
 * they publish protected resource metadata (RFC 9728) for it and name it in every challenge.
 */
export const RESOURCE = 'https://api.conformance.test'
/** Where every challenge says the metadata document is (RFC 9728 §3.1, §5.1). */
export const RESOURCE_METADATA_URL = `${RESOURCE}/.well-known/oauth-protected-resource`

const now = (): number => Math.floor(Date.now() / 1000)
const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
const get = (path: string, headers: [string, string][] = []): RequestSpec => ({ path, headers })
const files = (token: string): RequestSpec => get('/files', bearer(token))
const read = { scope: 'files:read' }

const ok = (body?: Record<string, unknown>): Expectation => ({
  status: 200,
  ...(body ? { body } : {}),
})
const noToken: Expectation = { status: 401, challenge: { realm: 'api' }, error: 'missing_token' }
const badRequest: Expectation = {
  status: 400,
  challenge: { realm: 'api', error: 'invalid_request' },
  error: 'invalid_request',
}
const invalidToken: Expectation = {
  status: 401,
  challenge: { realm: 'api', error: 'invalid_token' },
  error: 'invalid_token',
}
/** The 401 step-up challenge of `GET /account` (RFC 9470): both of its policy's parameters. */
const stepUp: Expectation = {
  status: 401,
  challenge: {
    realm: 'api',
    error: 'insufficient_user_authentication',
    acr_values: 'urn:mfa',
    max_age: '300',
  },
  error: 'insufficient_user_authentication',
}
/** Claims of a token `GET /account` accepts: a multi-factor login a minute ago, account:read. */
const mfa = (claims: Record<string, unknown> = {}): Record<string, unknown> => ({
  scope: 'account:read',
  acr: 'urn:mfa',
  auth_time: now() - 60,
  ...claims,
})
const account = (token: string): RequestSpec => get('/account', bearer(token))
const insufficient = (scope: string): Expectation => ({
  status: 403,
  challenge: { realm: 'api', error: 'insufficient_scope', scope },
  error: 'insufficient_scope',
})

/**
 * The conformance matrix, in the order it runs (POSTs change state the same way everywhere).
 * Cases built with `mint` run in both modes; `only` marks the rest.
 */
export const CASES: readonly ConformanceCase[] = [
  // --- accepted ---
  {
    name: 'GET /health needs no token',
    request: async () => get('/health'),
    expect: ok({ status: 'ok' }),
  },
  {
    name: 'GET the protected resource metadata (RFC 9728) without a token',
    request: async () => get('/.well-known/oauth-protected-resource'),
    expect: ok({
      resource: RESOURCE,
      scopes_supported: ['files:read', 'files:write', 'account:read'],
      bearer_methods_supported: ['header'],
      resource_name: 'scopeguard example API',
    }),
  },
  {
    name: 'the metadata document ignores a garbage token',
    request: async () => get('/.well-known/oauth-protected-resource', bearer('garbage')),
    expect: ok({ resource: RESOURCE }),
  },
  {
    name: 'GET /health ignores a garbage token',
    request: async () => get('/health', bearer('garbage')),
    expect: ok({ status: 'ok' }),
  },
  {
    name: 'a valid token with files:read lists files',
    request: async ({ mint }) => files(await mint(read)),
    expect: ok(),
  },
  {
    name: 'an ES256 token is accepted',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { alg: 'ES256' })),
    expect: ok(),
  },
  {
    name: 'an EdDSA token is accepted',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { alg: 'EdDSA' })),
    expect: ok(),
  },
  {
    name: 'a JWT is still verified locally next to introspection',
    only: 'opaque',
    request: async ({ issuer }) => files(await issuer.sign(read)),
    expect: ok(),
  },
  {
    name: 'the scheme is case-insensitive: bearer',
    request: async ({ mint }) => get('/files', [['Authorization', `bearer ${await mint(read)}`]]),
    expect: ok(),
  },
  {
    name: 'the scheme is case-insensitive: BEARER',
    request: async ({ mint }) => get('/files', [['Authorization', `BEARER ${await mint(read)}`]]),
    expect: ok(),
  },
  {
    name: 'several spaces after the scheme are allowed',
    request: async ({ mint }) =>
      get('/files', [['Authorization', `Bearer    ${await mint(read)}`]]),
    expect: ok(),
  },
  {
    name: 'an aud array containing the API is accepted',
    request: async ({ mint, audience }) =>
      files(await mint({ ...read, aud: ['https://other.example', audience] })),
    expect: ok(),
  },
  {
    name: 'scp as an array (Okta) grants scopes',
    request: async ({ mint }) => files(await mint({ scp: ['files:read'] })),
    expect: ok(),
  },
  {
    name: 'scp as a string (Entra ID) grants scopes',
    request: async ({ mint }) => files(await mint({ scp: 'openid files:read' })),
    expect: ok(),
  },
  {
    name: 'permissions (Auth0) grant scopes',
    request: async ({ mint }) => files(await mint({ permissions: ['files:read'] })),
    expect: ok(),
  },
  {
    name: 'typ application/at+jwt is accepted',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { typ: 'application/at+jwt' })),
    expect: ok(),
  },
  {
    name: 'an untyped JWT is accepted by default',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { typ: null })),
    expect: ok(),
  },
  {
    name: 'a token expired within the clock tolerance is accepted',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: now() - 2 })),
    expect: ok(),
  },
  {
    name: 'POST /files with files:write creates a file',
    request: async ({ mint }) => ({
      method: 'POST',
      path: '/files',
      headers: [
        ...bearer(await mint({ scope: 'files:write' })),
        ['Content-Type', 'application/json'],
      ],
      body: JSON.stringify({ name: 'report.pdf' }),
    }),
    expect: { status: 201, body: { name: 'report.pdf', owner: 'user-123' } },
  },
  {
    name: 'GET /me describes the token',
    request: async ({ mint }) =>
      get('/me', bearer(await mint({ scope: 'account:read files:read' }))),
    expect: ok({
      sub: 'user-123',
      client_id: 'client-abc',
      scopes: ['account:read', 'files:read'],
      actors: [],
    }),
  },
  // --- step-up (RFC 9470) and delegation (RFC 8693) ---
  {
    name: 'GET /account after a recent multi-factor login with account:read',
    request: async ({ mint }) => account(await mint(mfa())),
    expect: ok({ sub: 'user-123', acr: 'urn:mfa' }),
  },
  {
    name: 'GET /account after a password login is 401 insufficient_user_authentication',
    request: async ({ mint }) => account(await mint(mfa({ acr: 'urn:pwd' }))),
    expect: stepUp,
  },
  {
    name: 'GET /account with no acr is the same step-up 401',
    request: async ({ mint }) => account(await mint(mfa({ acr: undefined }))),
    expect: stepUp,
  },
  {
    name: 'GET /account an hour after the login is 401 with max_age',
    request: async ({ mint }) => account(await mint(mfa({ auth_time: now() - 3600 }))),
    expect: stepUp,
  },
  {
    name: 'GET /account with no auth_time is 401 with max_age',
    request: async ({ mint }) => account(await mint(mfa({ auth_time: undefined }))),
    expect: stepUp,
  },
  {
    name: 'GET /account with an expired token is invalid_token, not a step-up challenge',
    request: async ({ mint }) => account(await mint(mfa(), { expiresIn: -3600 })),
    expect: invalidToken,
  },
  {
    name: 'GET /account with a strong login but no account:read is 403',
    request: async ({ mint }) => account(await mint(mfa({ scope: 'files:read' }))),
    expect: insufficient('account:read'),
  },
  {
    name: 'GET /account with a weak login and no account:read is the step-up 401 first',
    request: async ({ mint }) => account(await mint(mfa({ acr: 'urn:pwd', scope: 'files:read' }))),
    expect: stepUp,
  },
  {
    name: 'GET /account with a delegated token (act) is 403',
    request: async ({ mint }) => account(await mint(mfa({ act: { sub: 'reports-service' } }))),
    expect: {
      ...insufficient('account:read'),
      challenge: { realm: 'api', error: 'insufficient_scope' },
    },
  },
  {
    name: 'GET /me lists the actor chain of a delegated token, closest actor first',
    request: async ({ mint }) =>
      get('/me', bearer(await mint({ act: { sub: 'reports-service', act: { sub: 'gateway' } } }))),
    expect: ok({ sub: 'user-123', actors: ['reports-service', 'gateway'] }),
  },
  {
    name: 'a malformed act claim is 401',
    request: async ({ mint }) => get('/me', bearer(await mint({ act: 'reports-service' }))),
    expect: invalidToken,
  },
  // --- no token ---
  {
    name: 'no token: 401 without an error code',
    request: async () => get('/files'),
    expect: noToken,
  },
  {
    name: 'a Basic header counts as no token',
    request: async () => get('/files', [['Authorization', 'Basic dXNlcjpwYXNz']]),
    expect: noToken,
  },
  {
    name: 'a query access_token is not read where not enabled',
    request: async ({ mint }) => get(`/files?access_token=${await mint(read)}`),
    expect: noToken,
  },
  { name: 'GET /me without a token is 401', request: async () => get('/me'), expect: noToken },
  // --- the route's scopes in its 401 (RFC 6750 §3; the MCP authorization specification) ---
  {
    name: "no token: the 401 of GET /files names the route's scope",
    request: async () => get('/files'),
    expect: { ...noToken, challenge: { realm: 'api', scope: 'files:read' } },
  },
  {
    name: "no token: the 401 of POST /files names the route's scope",
    request: async () => ({ method: 'POST', path: '/files', headers: [] }),
    expect: { ...noToken, challenge: { realm: 'api', scope: 'files:write' } },
  },
  {
    name: 'an expired token: the 401 of GET /files names the scope too',
    request: async ({ mint }) => files(await mint({ ...read, exp: now() - 3600 })),
    expect: {
      ...invalidToken,
      challenge: { realm: 'api', error: 'invalid_token', scope: 'files:read' },
    },
  },
  {
    name: 'no token: the 401 of GET /account names account:read (checked after step-up)',
    request: async () => get('/account'),
    expect: { ...noToken, challenge: { realm: 'api', scope: 'account:read' } },
  },
  // --- malformed requests ---
  {
    name: 'Bearer with no token is 400',
    request: async () => get('/files', [['Authorization', 'Bearer']]),
    expect: badRequest,
  },
  {
    name: 'Bearer with two words is 400',
    request: async () => get('/files', [['Authorization', 'Bearer a b']]),
    expect: badRequest,
  },
  {
    name: 'Bearer with a comma is 400',
    request: async () => get('/files', [['Authorization', 'Bearer a,b']]),
    expect: badRequest,
  },
  {
    name: 'an = inside the token is 400',
    request: async () => get('/files', [['Authorization', 'Bearer a=b']]),
    expect: badRequest,
  },
  {
    name: 'a tab after Bearer is 400',
    request: async () => get('/files', [['Authorization', 'Bearer\tabc']]),
    expect: badRequest,
  },
  {
    name: 'two Authorization headers are 400',
    request: async ({ mint }) => {
      const token = await mint(read)
      return get('/files', [...bearer(token), ...bearer(token)])
    },
    expect: badRequest,
  },
  {
    name: 'a token in the header and the query is 400',
    request: async ({ mint }) => {
      const token = await mint(read)
      return get(`/files?access_token=${token}`, bearer(token))
    },
    expect: badRequest,
  },
  {
    // RFC 6750 §2.2 reserves the form field: every example parses forms, and none reads body
    // tokens, yet a form access_token next to the header is a second method.
    name: 'a token in the header and a form access_token is 400',
    request: async ({ mint }) => {
      const token = await mint({ scope: 'files:read files:write' })
      return {
        method: 'POST',
        path: '/files',
        headers: [...bearer(token), ['Content-Type', 'application/x-www-form-urlencoded']],
        body: `name=form.txt&access_token=${token}`,
      }
    },
    expect: badRequest,
  },
  // --- invalid tokens ---
  {
    name: 'an expired token is 401 invalid_token',
    request: async ({ mint }) => files(await mint(read, { expiresIn: -60 })),
    expect: invalidToken,
  },
  {
    name: 'a token not valid yet is 401',
    request: async ({ mint }) => files(await mint({ ...read, nbf: now() + 600 })),
    expect: invalidToken,
  },
  {
    name: 'a token issued in the future is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, iat: now() + 600 })),
    expect: invalidToken,
  },
  {
    name: 'a token from another issuer is 401',
    request: async ({ mint }) => files(await mint({ ...read, iss: 'https://evil.example' })),
    expect: invalidToken,
  },
  {
    name: 'an issuer differing by a trailing slash is 401',
    request: async ({ mint, issuer }) => files(await mint({ ...read, iss: `${issuer.issuer}/` })),
    expect: invalidToken,
  },
  {
    name: 'a token for another audience is 401',
    request: async ({ mint }) => files(await mint({ ...read, aud: 'https://other.example' })),
    expect: invalidToken,
  },
  {
    name: 'a JWT without aud is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, aud: undefined })),
    expect: invalidToken,
  },
  {
    name: 'a JWT without exp is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: undefined })),
    expect: invalidToken,
  },
  {
    name: 'exp as a string is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: String(now() + 300) })),
    expect: invalidToken,
  },
  {
    name: 'a tampered signature is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(tamper(await issuer.sign(read))),
    expect: invalidToken,
  },
  {
    name: 'alg none is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { alg: 'none' })),
    expect: invalidToken,
  },
  {
    name: 'HS256 signed with the public key (key confusion) is 401',
    only: 'jwt',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { alg: 'HS256', secret: issuer.publicKeyPem('RS256') })),
    expect: invalidToken,
  },
  {
    name: 'a key the issuer never published (unknown kid) is 401',
    only: 'jwt',
    request: async ({ issuer }) => {
      const attacker = await generateTestKey('RS256')
      return files(
        await issuer.sign(read, { privateKey: attacker.privateKey, kid: 'not-published' }),
      )
    },
    expect: invalidToken,
  },
  {
    name: 'an embedded jwk header with the attacker key is 401',
    only: 'jwt',
    request: async ({ issuer }) => {
      const attacker = await generateTestKey('ES256')
      return files(
        await issuer.sign(read, {
          privateKey: attacker.privateKey,
          kid: null,
          header: { jwk: attacker.publicJwk },
        }),
      )
    },
    expect: invalidToken,
  },
  {
    name: 'an unknown crit header is 401',
    only: 'jwt',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { header: { crit: ['urn:example:x'], 'urn:example:x': 1 } })),
    expect: invalidToken,
  },
  {
    name: 'typ dpop+jwt is 401',
    only: 'jwt',
    request: async ({ issuer }) => files(await issuer.sign(read, { typ: 'dpop+jwt' })),
    expect: invalidToken,
  },
  {
    name: 'an ID token (typ JWT with nonce) is 401',
    only: 'jwt',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, nonce: 'n-0S6_WzA2Mj' }, { typ: 'JWT' })),
    expect: invalidToken,
  },
  {
    name: 'a malformed scope claim is 401',
    request: async ({ mint }) => files(await mint({ scope: 42 })),
    expect: invalidToken,
  },
  {
    name: 'a revoked opaque token is 401',
    only: 'opaque',
    request: async ({ issuer }) => {
      const token = issuer.issueOpaque(read)
      issuer.revoke(token)
      return files(token)
    },
    expect: invalidToken,
  },
  {
    name: 'a refresh token presented as an access token is 401',
    only: 'opaque',
    request: async ({ issuer }) =>
      files(issuer.issueOpaque({ ...read, token_type: 'refresh_token' })),
    expect: invalidToken,
  },
  {
    name: 'a two-segment token is 401',
    request: async () => files('eyJhbGciOiJSUzI1NiJ9.e30'),
    expect: invalidToken,
  },
  {
    name: 'a five-segment (JWE-looking) token is 401',
    request: async () => files('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'),
    expect: invalidToken,
  },
  {
    name: 'an unknown token is 401',
    request: async () => files('mF_9.B5f-4.1JqM'),
    expect: invalidToken,
  },
  {
    name: 'an oversized token is 401',
    request: async () => files('a'.repeat(9000)),
    expect: invalidToken,
  },
  {
    name: 'an expired token on GET /me is 401',
    request: async ({ mint }) => get('/me', bearer(await mint({}, { expiresIn: -3600 }))),
    expect: invalidToken,
  },
  // --- valid token, not allowed ---
  {
    name: 'POST /files with only files:read is 403 naming files:write',
    request: async ({ mint }) => ({
      method: 'POST',
      path: '/files',
      headers: [...bearer(await mint(read)), ['Content-Type', 'application/json']],
      body: '{"name":"x"}',
    }),
    expect: insufficient('files:write'),
  },
  {
    name: 'GET /files with another scope is 403 naming files:read',
    request: async ({ mint }) => files(await mint({ scope: 'account:read' })),
    expect: insufficient('files:read'),
  },
  {
    name: 'GET /files with no scope at all is 403',
    request: async ({ mint }) => files(await mint({})),
    expect: insufficient('files:read'),
  },
  {
    name: 'scopes are case-sensitive: FILES:READ is not files:read',
    request: async ({ mint }) => files(await mint({ scope: 'FILES:READ' })),
    expect: insufficient('files:read'),
  },
]

/** The cases of one mode. */
export function casesFor(mode: Mode): readonly ConformanceCase[] {
  return CASES.filter((testCase) => testCase.only === undefined || testCase.only === mode)
}
