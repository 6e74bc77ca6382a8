import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAuthorizationServer, type AuthorizationServer } from '../src/authorization-server.js'
import { createDemoClients, MCP_SCOPES } from '../src/clients.js'
import { decodeJwt } from '../src/token-text.js'
import { authorizeInBrowser, type BrowserStep } from '../src/user-agent.js'

// The interactive half of the embedded authorization server: dynamic client registration,
// authorization code + PKCE through the login and consent pages, resource indicators, refresh.
const audience = 'http://127.0.0.1:65001'
const mcp = 'http://127.0.0.1:65002/mcp'
const redirectUri = 'http://127.0.0.1:65003/callback'
let server: AuthorizationServer

beforeAll(async () => {
  server = await startAuthorizationServer({
    port: 0,
    audience,
    clients: createDemoClients(),
    resources: [{ resource: mcp, scopes: MCP_SCOPES }],
  })
})
afterAll(() => server.close())

async function register(scope = 'mcp:tools'): Promise<string> {
  const res = await fetch(server.registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'test client',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope,
    }),
  })
  const body = (await res.json()) as Record<string, string>
  expect(res.status, JSON.stringify(body)).toBe(201)
  expect(body['client_secret']).toBeUndefined()
  return body['client_id'] ?? ''
}

function authorizationUrl(clientId: string, scope: string, resource = mcp) {
  const verifier = randomBytes(32).toString('base64url')
  const url = new URL(server.authorizationEndpoint)
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    resource,
    state: 'st-1',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  return { url, verifier }
}

async function tokenRequest(form: Record<string, string>) {
  const res = await fetch(server.tokenEndpoint, { method: 'POST', body: new URLSearchParams(form) })
  return { status: res.status, body: (await res.json()) as Record<string, string> }
}

async function authorize(clientId: string, scope: string, steps: BrowserStep[] = []) {
  const { url, verifier } = authorizationUrl(clientId, scope)
  const query = await authorizeInBrowser(url, redirectUri, { onStep: (s) => steps.push(s) })
  expect(query.get('state')).toBe('st-1')
  const code = query.get('code')
  expect(code, query.toString()).toBeTruthy()
  return tokenRequest({
    grant_type: 'authorization_code',
    code: code ?? '',
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: clientId,
    resource: mcp,
  })
}

describe('authorization code + PKCE for a dynamically registered client', () => {
  it('signs the demo user in, asks consent, and issues a JWT bound to the resource, with a refresh token', async () => {
    const clientId = await register()
    const steps: BrowserStep[] = []
    const { status, body } = await authorize(clientId, 'mcp:tools', steps)
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:tools' })
    expect(body['refresh_token']).toBeTruthy()
    const { header, payload } = decodeJwt(body['access_token'] ?? '')
    expect(header['typ']).toBe('at+jwt')
    expect(payload).toMatchObject({
      iss: server.issuer,
      aud: mcp,
      sub: 'demo-user',
      client_id: clientId,
      scope: 'mcp:tools',
    })
    const asks = steps.flatMap((step) => (step.ask ? [step.ask] : []))
    expect(asks).toEqual([
      'Sign in as demo-user to continue to test client (' + clientId + ').',
      `test client (${clientId}) asks demo-user for mcp:tools at ${mcp}.`,
    ])

    // The refresh token gets a new access token for the same resource and scope.
    const refreshed = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: body['refresh_token'] ?? '',
      client_id: clientId,
      resource: mcp,
    })
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    expect(refreshed.body['access_token']).not.toBe(body['access_token'])
    expect(decodeJwt(refreshed.body['access_token'] ?? '').payload).toMatchObject({
      aud: mcp,
      scope: 'mcp:tools',
    })
  })

  it('lets a client registered for mcp:tools step up to mcp:admin after consent', async () => {
    const clientId = await register('mcp:tools')
    expect((await authorize(clientId, 'mcp:tools')).status).toBe(200)
    const { status, body } = await authorize(clientId, 'mcp:tools mcp:admin')
    expect(status, JSON.stringify(body)).toBe(200)
    expect(decodeJwt(body['access_token'] ?? '').payload['scope']).toBe('mcp:tools mcp:admin')
  })

  it('refuses without PKCE, for an unknown resource, and when the user denies', async () => {
    const clientId = await register()
    const { url } = authorizationUrl(clientId, 'mcp:tools')
    url.searchParams.delete('code_challenge')
    url.searchParams.delete('code_challenge_method')
    const noPkce = await fetch(url, { redirect: 'manual' })
    expect(new URL(noPkce.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_request',
    )

    const other = authorizationUrl(clientId, 'mcp:tools', 'http://other.test/')
    const unknown = await fetch(other.url, { redirect: 'manual' })
    expect(new URL(unknown.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'invalid_target',
    )

    const denied = await authorizeInBrowser(
      authorizationUrl(clientId, 'mcp:tools').url,
      redirectUri,
      {
        decision: 'deny',
      },
    )
    expect(denied.get('error')).toBe('access_denied')
    expect(denied.get('code')).toBeNull()
  })

  it('answers pages it cannot show with 4xx, never 5xx', async () => {
    const noCookie = await fetch(`${server.issuer}/interaction/abc123`)
    expect(noCookie.status).toBe(400)
    expect(await noCookie.text()).not.toMatch(/at .*\.js/)
    expect(
      (await fetch(`${server.issuer}/interaction/abc123/consent`, { method: 'POST' })).status,
    ).toBe(400)
    expect((await fetch(`${server.issuer}/interaction/abc123/consent`)).status).toBe(404)
    expect((await fetch(`${server.issuer}/interaction/a/b/c`, { method: 'POST' })).status).toBe(404)
  })

  it('advertises the endpoints and grants an MCP client needs', async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>
    expect(metadata['registration_endpoint']).toBe(server.registrationEndpoint)
    expect(metadata['authorization_endpoint']).toBe(server.authorizationEndpoint)
    expect(metadata['code_challenge_methods_supported']).toEqual(['S256'])
    expect(metadata['grant_types_supported']).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    )
  })
})
