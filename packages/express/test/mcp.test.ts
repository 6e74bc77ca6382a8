// An MCP server (the SDK's McpServer + StreamableHTTPServerTransport) protected by protect(), and
// by the SDK's own requireBearerAuth() with mcpTokenVerifier(), driven by the SDK's real client
// over loopback against the test issuer's token endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import {
  extractWWWAuthenticateParams,
  UnauthorizedError,
  type OAuthClientProvider,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { parseChallenges } from '@scopeguard/core'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import express, { type Request, type Response } from 'express'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import {
  createResourceServer,
  protect,
  resourceMetadata,
  type ResourceServer,
  type ResourceServerOptions,
} from '../src/index.js'
import { mcpTokenVerifier } from '../src/mcp.js'

const CLIENT = { clientId: 'mcp-client', clientSecret: 'mcp-secret' }
let issuer: TestIssuer
let running: RunningApp[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({
    clients: [CLIENT],
    // The SDK's client requires an authorization endpoint with code + S256 in the metadata even
    // for client credentials. The tests never follow it: an interactive client is stopped at the
    // redirect, where the scope it asks for is visible.
    metadata: {
      extra: {
        authorization_endpoint: 'https://authorization.invalid/authorize',
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      },
    },
  })
})
afterAll(async () => {
  await issuer.close()
})
afterEach(async () => {
  await Promise.all(running.map((app) => app.close()))
  running = []
})

/** A stateless MCP server whose `whoami` tool answers what it sees in `extra.authInfo`. */
function mcpServer(): McpServer {
  const server = new McpServer({ name: 'scopeguard-test', version: '1.0.0' })
  server.registerTool('whoami', { description: 'The caller, as the tool sees it' }, (extra) => {
    const auth = extra.authInfo
    const seen = {
      clientId: auth?.clientId,
      scopes: auth?.scopes,
      expiresAtType: typeof auth?.expiresAt,
      expiresAt: auth?.expiresAt,
      resource: auth?.resource instanceof URL ? auth.resource.href : null,
      sub: auth?.extra?.['sub'],
    }
    return { content: [{ type: 'text', text: JSON.stringify(seen) }] }
  })
  return server
}

async function handleMcp(req: Request, res: Response): Promise<void> {
  const server = mcpServer()
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
  res.on('close', () => {
    void transport.close()
    void server.close()
  })
  await server.connect(transport)
  // No assertion, no glue: req.auth from protect() is what the transport expects.
  await transport.handleRequest(req, res, req.body)
}

/**
 * Serves an app built once its origin is known (the MCP server's URL is the token audience and
 * the RFC 9728 `resource`).
 */
async function start(
  build: (mcpUrl: string) => express.Express,
): Promise<{ mcpUrl: string; origin: string }> {
  let app: express.Express | undefined
  const served = await serve((req: IncomingMessage, res: ServerResponse) => {
    ;(app as express.Express)(req, res)
  })
  running.push(served)
  const mcpUrl = `${served.origin}/mcp`
  app = build(mcpUrl)
  return { mcpUrl, origin: served.origin }
}

function resourceServer(mcpUrl: string, extra: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: mcpUrl,
    resourceMetadata: { resource: mcpUrl, scopesSupported: ['mcp:tools', 'mcp:admin'] },
    publicOrigin: new URL(mcpUrl).origin,
    logger: false,
    ...extra,
  })
}

function protectedApp(rs: ResourceServer, routeScopes?: readonly string[]): express.Express {
  const app = express()
  app.use(express.json())
  app.use(resourceMetadata(rs))
  app.post(
    '/mcp',
    protect(rs, routeScopes === undefined ? {} : { requiredScopes: routeScopes }),
    handleMcp,
  )
  return app
}

async function connect(mcpUrl: string, provider?: OAuthClientProvider, token?: string) {
  const client = new Client({ name: 'scopeguard-test-client', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
    ...(provider === undefined ? {} : { authProvider: provider }),
    ...(token === undefined
      ? {}
      : { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  })
  await client.connect(transport)
  return client
}

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >
}

async function whoami(client: Client): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name: 'whoami', arguments: {} })
  const [content] = result.content as { type: string; text: string }[]
  return JSON.parse(content?.text ?? 'null') as Record<string, unknown>
}

/**
 * An interactive client (authorization code + PKCE) with no scope configured: it stops at the
 * redirect to the authorization endpoint, which is where the scope it asks for is visible.
 */
class RedirectCapturingProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined
  #verifier = ''
  get redirectUrl(): string {
    return 'http://127.0.0.1/callback'
  }
  get clientMetadata(): OAuthClientMetadata {
    return { redirect_uris: [this.redirectUrl], client_name: 'scopeguard-test' }
  }
  clientInformation() {
    return { client_id: CLIENT.clientId }
  }
  tokens() {
    return undefined
  }
  saveTokens() {}
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier
  }
  codeVerifier() {
    return this.#verifier
  }
}

describe('an MCP server behind protect()', () => {
  it('a client with no scope configured asks for the scope our 401 names', async () => {
    const { mcpUrl } = await start((url) => protectedApp(resourceServer(url), ['mcp:tools']))
    const provider = new RedirectCapturingProvider()
    await expect(connect(mcpUrl, provider)).rejects.toThrow(UnauthorizedError)
    expect(provider.authorizationUrl?.searchParams.get('scope')).toBe('mcp:tools')
    expect(provider.authorizationUrl?.searchParams.get('resource')).toBe(mcpUrl)
  })

  it("without the route's scopes it falls back to every scope of the metadata", async () => {
    // The control: no scope in the 401, so the client asks for all of scopes_supported.
    const { mcpUrl } = await start((url) => protectedApp(resourceServer(url)))
    const provider = new RedirectCapturingProvider()
    await expect(connect(mcpUrl, provider)).rejects.toThrow(UnauthorizedError)
    expect(provider.authorizationUrl?.searchParams.get('scope')).toBe('mcp:tools mcp:admin')
  })

  it('a client-credentials client gets a token and the tool sees the SDK AuthInfo shape', async () => {
    const { mcpUrl } = await start((url) => protectedApp(resourceServer(url), ['mcp:tools']))
    issuer.resetCounts()
    // The SDK's client-credentials flow sends its configured scope, not the challenge's.
    const provider = new ClientCredentialsProvider({
      ...CLIENT,
      scope: 'mcp:tools',
      expectedIssuer: issuer.issuer,
    })
    const client = await connect(mcpUrl, provider)
    try {
      // The token the SDK obtained is for this server (RFC 8707 resource).
      const granted = claimsOf(provider.tokens()?.access_token ?? '')
      expect(granted['aud']).toBe(mcpUrl)
      expect(issuer.requestCount('token')).toBe(1)
      const seen = await whoami(client)
      // No glue: expiresAt in seconds, clientId a string, resource a URL, claims in extra.
      expect(seen).toEqual({
        clientId: CLIENT.clientId,
        scopes: ['mcp:tools'],
        expiresAtType: 'number',
        expiresAt: granted['exp'],
        resource: new URL(mcpUrl).href,
        sub: CLIENT.clientId,
      })
    } finally {
      await client.close()
    }
  })

  it("the SDK's parser reads resource_metadata and scope from our 401 (DPoP allowed)", async () => {
    const { mcpUrl, origin } = await start((url) =>
      protectedApp(resourceServer(url, { dpop: 'allowed' }), ['mcp:tools']),
    )
    const response = await fetch(mcpUrl, { method: 'POST' })
    expect(response.status).toBe(401)
    expect(
      parseChallenges(response.headers.get('www-authenticate') ?? '').map((c) => c.scheme),
    ).toEqual(['Bearer', 'DPoP'])
    const params = extractWWWAuthenticateParams(response)
    expect(params.scope).toBe('mcp:tools')
    expect(params.resourceMetadataUrl?.href).toBe(
      `${origin}/.well-known/oauth-protected-resource/mcp`,
    )
  })

  it('with DPoP required the only challenge is DPoP (Bearer is refused, so none is offered)', async () => {
    const { mcpUrl } = await start((url) =>
      protectedApp(resourceServer(url, { dpop: 'required' }), ['mcp:tools']),
    )
    const response = await fetch(mcpUrl, { method: 'POST' })
    const [only, ...others] = parseChallenges(response.headers.get('www-authenticate') ?? '')
    expect(others).toEqual([])
    expect(only?.scheme).toBe('DPoP')
    expect(only?.params).toMatchObject({ scope: 'mcp:tools' })
    expect(only?.params['resource_metadata']).toMatch(
      /\/\.well-known\/oauth-protected-resource\/mcp$/,
    )
    // The SDK 1.32 client sends Bearer only and reads only a challenge starting with Bearer.
    expect(extractWWWAuthenticateParams(response)).toEqual({})
  })
})

describe("mcpTokenVerifier() behind the SDK's requireBearerAuth()", () => {
  async function sdkProtected(): Promise<{ mcpUrl: string }> {
    return start((url) => {
      const rs = resourceServer(url)
      const app = express()
      app.use(express.json())
      app.use(resourceMetadata(rs))
      app.post(
        '/mcp',
        requireBearerAuth({
          verifier: mcpTokenVerifier(rs),
          requiredScopes: ['mcp:tools'],
          resourceMetadataUrl: rs.resourceMetadata?.url,
          expectedResource: new URL(url),
        }),
        handleMcp,
      )
      return app
    })
  }

  it('lets a valid token through, and the tool sees our auth object in the SDK shape', async () => {
    const { mcpUrl } = await sdkProtected()
    const token = await issuer.sign({
      aud: mcpUrl,
      scope: 'mcp:tools',
      client_id: 'app-1',
      sub: 'user-1',
    })
    const client = await connect(mcpUrl, undefined, token)
    try {
      expect(await whoami(client)).toMatchObject({
        clientId: 'app-1',
        scopes: ['mcp:tools'],
        expiresAtType: 'number',
        resource: new URL(mcpUrl).href,
        sub: 'user-1',
      })
    } finally {
      await client.close()
    }
  })

  it.each([
    ['expired', { exp: 1_000_000 }],
    ['for another resource', { aud: 'https://other.example.test/mcp' }],
  ])('answers 401 invalid_token, not 500, for a token %s', async (_name, claims) => {
    const { mcpUrl } = await sdkProtected()
    const token = await issuer.sign({ aud: mcpUrl, scope: 'mcp:tools', ...claims })
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(response.status).toBe(401)
    const body = (await response.json()) as { error: string; error_description: string }
    expect(body.error).toBe('invalid_token')
    expect(JSON.stringify(body)).not.toContain(token)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/)
  })

  it('answers 401 invalid_token, not 500, for a malformed or an over-long token', async () => {
    const { mcpUrl } = await sdkProtected()
    const post = (token: string) =>
      fetch(mcpUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
    expect((await post('not.a.jwt')).status).toBe(401)
    const long = await post('a'.repeat(9000))
    expect(long.status).toBe(401)
    expect(((await long.json()) as { error: string }).error).toBe('invalid_token')
  })

  it('answers 500 server_error, without the token or the cause, when keys cannot be loaded', async () => {
    const { mcpUrl } = await sdkProtected()
    issuer.setFault('jwks', { status: 500 })
    try {
      const token = await issuer.sign({ aud: mcpUrl, scope: 'mcp:tools' })
      const response = await fetch(mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      })
      const text = await response.text()
      expect([response.status, JSON.parse(text).error]).toEqual([500, 'server_error'])
      expect(text).not.toContain(token)
    } finally {
      issuer.setFault('jwks', undefined)
    }
  })
})
