import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ClientMetadata, Configuration } from 'oidc-provider'
import { API_SCOPES, type DemoClient, type DemoClients } from './clients.js'
import { createMemoryAdapter } from './memory-adapter.js'
import { generateSigningKey } from './signing-key.js'

export interface AuthorizationServer {
  readonly issuer: string
  readonly tokenEndpoint: string
  readonly introspectionEndpoint: string
  readonly revocationEndpoint: string
  close(): Promise<void>
}

export interface AuthorizationServerOptions {
  /** 0 picks a free port. */
  readonly port: number
  /** The API's audience: the only resource indicator this server issues tokens for. */
  readonly audience: string
  readonly clients: DemoClients
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
  { audience, clients, accessTokenFormat = 'jwt' }: AuthorizationServerOptions,
  InvalidTarget: InvalidTarget,
): Configuration {
  return {
    adapter: createMemoryAdapter(),
    jwks: { keys: [generateSigningKey()] },
    clients: [clients.app, clients.reader, clients.api].map(clientMetadata),
    // A client's `scope` metadata only restricts scopes the server knows as its own, so the API
    // scopes are registered here; demo-reader asking for files:write then gets invalid_scope.
    scopes: ['openid', 'offline_access', ...API_SCOPES],
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? ACCESS_TOKEN_TTL,
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
          if (!sameResource(resourceIndicator, audience)) {
            throw new InvalidTarget(`unknown resource; this server only issues for ${audience}`)
          }
          return {
            scope: API_SCOPES.join(' '),
            audience,
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
    handle = provider.callback()
  } catch (error) {
    server.close()
    throw error
  }

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
