import { createResourceServer, isOAuthError, type RequestLike } from '@scopeguard/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAuthorizationServer, type AuthorizationServer } from '../src/authorization-server.js'
import { createDemoClients, type DemoClient } from '../src/clients.js'

// A real authorization server (oidc-provider) issuing opaque access tokens and serving RFC 7662
// introspection, checked by the core through discovery.
const audience = 'http://127.0.0.1:9/api'
const clients = createDemoClients()
let server: AuthorizationServer

beforeAll(async () => {
  server = await startAuthorizationServer({
    port: 0,
    audience,
    clients,
    accessTokenFormat: 'opaque',
  })
})
afterAll(async () => {
  await server.close()
})

const basic = (client: DemoClient): string =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`

async function token(client: DemoClient, scope: string): Promise<string> {
  const response = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: audience }),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { access_token: string }
  return body.access_token
}

const request = (accessToken: string): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `Bearer ${accessToken}` },
})

function resourceServer(secret = clients.api.secret) {
  return createResourceServer({
    issuer: server.issuer,
    audience,
    introspection: { clientId: clients.api.id, clientSecret: secret },
    logger: false,
  })
}

describe('opaque tokens from oidc-provider', () => {
  it('issues tokens that are not JWTs', async () => {
    expect((await token(clients.app, 'files:read')).split('.')).toHaveLength(1)
  })

  it('verifies an opaque token through the discovered introspection endpoint', async () => {
    const auth = await resourceServer().authenticate(
      request(await token(clients.app, 'files:read files:write')),
    )
    expect(auth.format).toBe('opaque')
    expect(auth.issuer).toBe(server.issuer)
    expect(auth.clientId).toBe('demo-app')
    expect(auth.subject).toBe('demo-app')
    expect(auth.scopes).toEqual(['files:read', 'files:write'])
    expect(auth.audience).toContain(audience)
    expect(auth.expiresAt! * 1000).toBeGreaterThan(Date.now())
  })

  it('rejects a revoked token as inactive (401 invalid_token)', async () => {
    const revoked = await token(clients.app, 'files:read')
    const response = await fetch(server.revocationEndpoint, {
      method: 'POST',
      headers: {
        authorization: basic(clients.app),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: revoked }),
    })
    expect(response.status).toBe(200)
    const error = await resourceServer()
      .authenticate(request(revoked))
      .catch((e: unknown) => e)
    expect(isOAuthError(error) && [error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'inactive',
    ])
  })

  it('rejects an unknown opaque token as inactive', async () => {
    const error = await resourceServer()
      .authenticate(request('not-a-real-token-0123456789'))
      .catch((e: unknown) => e)
    expect(isOAuthError(error) && error.reason).toBe('inactive')
  })

  it('answers 503, not 401, when the resource server credentials are refused', async () => {
    const error = await resourceServer('wrong-secret')
      .authenticate(request(await token(clients.app, 'files:read')))
      .catch((e: unknown) => e)
    expect(isOAuthError(error) && [error.status, error.code]).toEqual([
      503,
      'temporarily_unavailable',
    ])
  })
})
