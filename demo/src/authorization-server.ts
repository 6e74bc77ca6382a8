import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ClientMetadata, Configuration } from 'oidc-provider'
import { API_SCOPES, type DemoClient, type DemoClients } from './clients.js'
import { interactionHandler } from './interactions.js'
import { createMemoryAdapter } from './memory-adapter.js'
import { generateSigningKey } from './signing-key.js'

export interface AuthorizationServer {
  readonly issuer: string
  readonly tokenEndpoint: string
  readonly introspectionEndpoint: string
  readonly revocationEndpoint: string
  /** Where a user is sent to authorize a client (authorization code + PKCE). */
  readonly authorizationEndpoint: string
  /** Dynamic client registration (RFC 7591), open to any client. */
  readonly registrationEndpoint: string
  close(): Promise<void>
}

/** Another API this server issues tokens for (RFC 8707 resource indicator), e.g. examples/mcp. */
export interface ResourceApi {
  /** Its resource identifier, also the tokens' audience. */
  readonly resource: string
  /** The scopes it understands. */
  readonly scopes: readonly string[]
}

export interface AuthorizationServerOptions {
  /** 0 picks a free port. */
  readonly port: number
  /** The API's audience: the only resource indicator this server issues tokens for. */
  readonly audience: string
  readonly clients: DemoClients
  /** More APIs to issue tokens for (the `resource` of a token or authorization request). */
  readonly resources?: readonly ResourceApi[]
  /** Access tokens as signed JWTs (default) or as opaque strings checked by introspection. */
  readonly accessTokenFormat?: 'jwt' | 'opaque'
}

const ACCESS_TOKEN_TTL = 600

/**
 * oidc-provider warns at import time that Node.js 20 is not an LTS it supports; the demo runs fine
 * on it, so that one notice is dropped to keep the demo's output free of confusing warnings.
 */
async function loadOidcProvider(): Promise<typeof import('oidc-provider')> {
  const warn = console.warn
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('oidc-provider WARNING: Unsupported runtime')) warn(...args)
  }
  try {
    return await import('oidc-provider')
  } finally {
    console.warn = warn
  }
}

const sameResource = (a: string, b: string): boolean => URL.parse(a)?.href === URL.parse(b)?.href

function clientMetadata(client: DemoClient): ClientMetadata {
  return {
    client_id: client.id,
    client_secret: client.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(client.scopes.length > 0 ? { scope: client.scopes.join(' ') } : {}),
  }
}

type InvalidTarget = new (description?: string) => Error

function configuration(
  { audience, clients, resources = [], accessTokenFormat = 'jwt' }: AuthorizationServerOptions,
  InvalidTarget: InvalidTarget,
): Configuration {
  const apis: ResourceApi[] = [{ resource: audience, scopes: API_SCOPES }, ...resources]
  const otherScopes = [...new Set(resources.flatMap((api) => api.scopes))]
  return {
    adapter: createMemoryAdapter(),
    jwks: { keys: [generateSigningKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [clients.app, clients.reader, clients.api].map(clientMetadata),
    // A client's `scope` metadata only restricts scopes the server knows as its own, so the API
    // scopes are registered here; demo-reader asking for files:write then gets invalid_scope.
    scopes: ['openid', 'offline_access', ...API_SCOPES, ...otherScopes],
    // Dynamically registered clients (MCP clients) register the scope they start with; widen it
    // to every scope of the other APIs, so that a later step-up (403 insufficient_scope) may ask
    // for more. What a client gets is still what the user grants on the consent page.
    extraClientMetadata: {
      properties: ['scope'],
      validator: (ctx, key, value, metadata) => {
        if (key !== 'scope' || ctx?.oidc.route !== 'registration') return
        const asked = typeof value === 'string' ? value.split(' ').filter(Boolean) : []
        metadata['scope'] = [...new Set([...asked, ...otherScopes])].join(' ')
      },
    },
    // The login and consent pages (interactions.ts) sign in this one user.
    findAccount: async (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // OAuth 2.1: every authorization code flow uses PKCE, confidential clients too.
    pkce: { required: () => true },
    // Clients registered for refresh_token get one with every authorization code, without
    // having to ask for offline_access (MCP clients do not).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      // The interactive flow's artifacts: a sign-in page lasts 10 minutes, the demo user's
      // session and grants an hour, a refresh token a day.
      Interaction: () => 600,
      Session: () => 3600,
      Grant: () => 3600,
      RefreshToken: () => 86_400,
    },
    // RFC 9068 wants `sub` on client_credentials tokens. oidc-provider 9.13's JWT format already
    // falls back to the client id; this makes it explicit (and covers opaque tokens too). Note
    // that JWT access tokens cannot be introspected: oidc-provider answers unsupported_token_type.
    extraTokenClaims: async (_ctx, token) =>
      token.kind === 'ClientCredentials' && token.clientId
        ? { sub: token.clientId, client_id: token.clientId }
        : undefined,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // RFC 7591, open: any client may register (MCP clients do, on first contact).
      registration: { enabled: true },
      // DPoP (RFC 9449): a token request with a DPoP proof gets a token bound to its key (cnf.jkt).
      dPoP: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none',
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, resourceIndicator) => {
          const api = apis.find((candidate) => sameResource(resourceIndicator, candidate.resource))
          if (api === undefined) {
            const known = apis.map((candidate) => candidate.resource).join(', ')
            throw new InvalidTarget(`unknown resource; this server only issues for ${known}`)
          }
          return {
            scope: api.scopes.join(' '),
            audience: api.resource,
            accessTokenTTL: ACCESS_TOKEN_TTL,
            accessTokenFormat,
            ...(accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          }
        },
      },
    },
  }
}

/** Starts oidc-provider in-process on http://127.0.0.1:<port>. */
export async function startAuthorizationServer(
  options: AuthorizationServerOptions,
): Promise<AuthorizationServer> {
  const { default: Provider, errors } = await loadOidcProvider()

  let handle = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(503).end()
  }
  const server = createServer((req, res) => handle(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, '127.0.0.1', resolve)
  })
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  try {
    const provider = new Provider(issuer, configuration(options, errors.InvalidTarget))
    const interactions = interactionHandler(provider)
    const callback = provider.callback()
    handle = (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return callback(req, res)
      interactions(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500)
        res.end()
      })
    }
  } catch (error) {
    server.close()
    throw error
  }

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    authorizationEndpoint: `${issuer}/auth`,
    registrationEndpoint: `${issuer}/reg`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
