import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAuthorizationServer, type AuthorizationServer } from '../src/authorization-server.js'
import { createDemoClients, type DemoClient } from '../src/clients.js'
import { decodeJwt } from '../src/token-text.js'

const audience = 'http://127.0.0.1:65001'
const clients = createDemoClients()
let server: AuthorizationServer

beforeAll(async () => {
  server = await startAuthorizationServer({ port: 0, audience, clients })
})
afterAll(() => server.close())

async function token(client: DemoClient, form: Record<string, string>) {
  const res = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...form }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, string> }
}

describe('embedded authorization server', () => {
  it('serves discovery with its own RS256 key', async () => {
    const metadata = (await (
      await fetch(`${server.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>
    expect(metadata['issuer']).toBe(server.issuer)
    expect(metadata['token_endpoint']).toBe(server.tokenEndpoint)
    const jwks = (await (await fetch(metadata['jwks_uri'] ?? '')).json()) as {
      keys: Array<Record<string, string>>
    }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' })
    expect(jwks.keys[0]).not.toHaveProperty('d')
  })

  it('issues RFC 9068 JWT access tokens for the API', async () => {
    const scope = 'files:read files:write account:read'
    const { status, body } = await token(clients.app, { scope, resource: audience })
    expect(status).toBe(200)
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope })
    const { header, payload } = decodeJwt(body['access_token'] ?? '')
    expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt' })
    expect(payload).toMatchObject({
      iss: server.issuer,
      aud: audience,
      scope,
      sub: 'demo-app',
      client_id: 'demo-app',
    })
    expect(Number(payload['exp']) - Number(payload['iat'])).toBe(600)
  })

  it('uses the API as the default resource', async () => {
    const { status, body } = await token(clients.app, { scope: 'files:read' })
    expect(status).toBe(200)
    expect(decodeJwt(body['access_token'] ?? '').payload['aud']).toBe(audience)
  })

  it('refuses files:write to demo-reader but gives it files:read', async () => {
    const denied = await token(clients.reader, { scope: 'files:write', resource: audience })
    expect(denied).toMatchObject({ status: 400, body: { error: 'invalid_scope' } })
    const read = await token(clients.reader, { scope: 'files:read', resource: audience })
    expect(read.status).toBe(200)
    expect(decodeJwt(read.body['access_token'] ?? '').payload).toMatchObject({
      sub: 'demo-reader',
      scope: 'files:read',
    })
  })

  it('refuses other resources and wrong secrets', async () => {
    const other = await token(clients.app, { scope: 'files:read', resource: 'http://other.test' })
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_target' } })
    const wrong = await token({ ...clients.app, secret: 'wrong' }, { scope: 'files:read' })
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_client' } })
  })
})
