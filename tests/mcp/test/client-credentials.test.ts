import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf, recordingFetch, startStack, textOf, type Stack } from './harness.js'

// The MCP SDK's own client-credentials provider against examples/mcp, with the demo's
// authorization server: discovery from the 401, a token for the resource the metadata names
// (RFC 8707), then MCP requests.
let stack: Stack
const clients: Client[] = []

beforeAll(async () => {
  stack = await startStack()
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})
afterAll(() => stack?.stop())

/** A confidential client registered for client_credentials, connected with the given scope. */
async function connect(scope: string) {
  const registered = await stack.register({
    client_name: 'tests/mcp service',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  })
  const clientId = registered['client_id'] ?? ''
  const recorder = recordingFetch()
  const provider = new ClientCredentialsProvider({
    clientId,
    clientSecret: registered['client_secret'] ?? '',
    scope,
    expectedIssuer: stack.as.issuer,
  })
  const transport = new StreamableHTTPClientTransport(new URL(stack.server.url), {
    authProvider: provider,
    fetch: recorder.fetch,
  })
  const client = new Client({ name: 'tests-mcp', version: '1.0.0' })
  clients.push(client)
  await client.connect(transport)
  return { client, clientId, provider, recorder }
}

describe('ClientCredentialsProvider', () => {
  it('finds the authorization server from the 401 and gets a token for the MCP resource', async () => {
    const { client, clientId, provider, recorder } = await connect('mcp:tools')
    const { url, origin } = stack.server
    const [first] = recorder.responses
    expect(first).toMatchObject({ method: 'POST', url, status: 401 })
    expect(first?.challenge).toContain(
      `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    )
    const exchanges = recorder.responses.map(
      (r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`,
    )
    expect(exchanges).toEqual(
      expect.arrayContaining([
        'GET /.well-known/oauth-protected-resource/mcp 200',
        'POST /token 200',
        'POST /mcp 200',
      ]),
    )
    // The token request named the resource: the token's audience is the MCP server.
    expect(claimsOf((await provider.tokens())?.access_token)).toMatchObject({
      aud: url,
      scope: 'mcp:tools',
      client_id: clientId,
    })
    const tools = await client.listTools()
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual(['audit_log', 'whoami'])
    expect(textOf(await client.callTool({ name: 'whoami' }))).toBe(
      `client ${clientId}, scopes: mcp:tools`,
    )
  })

  it('is refused audit_log with mcp:tools only: 403 naming mcp:admin, which it cannot get alone', async () => {
    const { client, recorder } = await connect('mcp:tools')
    const tokenRequests = () => recorder.responses.filter((r) => r.url.endsWith('/token')).length
    const before = tokenRequests()
    const error = await client.callTool({ name: 'audit_log' }).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(StreamableHTTPError)
    expect((error as StreamableHTTPError).code).toBe(403)
    const refusals = recorder.responses.filter((r) => r.status === 403)
    expect(refusals[0]?.challenge).toContain('error="insufficient_scope"')
    expect(refusals[0]?.challenge).toContain('scope="mcp:tools mcp:admin"')
    // The SDK tried once more: a new token, with the scope it is configured with.
    expect(tokenRequests()).toBe(before + 1)
    expect(refusals).toHaveLength(2)
  })

  it('calls audit_log when configured for mcp:tools mcp:admin', async () => {
    const { client, clientId } = await connect('mcp:tools mcp:admin')
    await client.callTool({ name: 'whoami' })
    const result = await client.callTool({ name: 'audit_log', arguments: { limit: 3 } })
    const { entries } = result.structuredContent as {
      entries: Array<{ tool: string; clientId: string }>
    }
    expect(entries.slice(-2)).toEqual([
      expect.objectContaining({ tool: 'whoami', clientId }),
      expect.objectContaining({ tool: 'audit_log', clientId }),
    ])
    expect(entries.length).toBeLessThanOrEqual(3)
  })

  it('does not get in with a token for another resource (401 invalid_token)', async () => {
    const { app } = stack.clients
    const response = await fetch(stack.as.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${app.id}:${app.secret}`)}` },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'files:read',
        resource: stack.otherResource,
      }),
    })
    const other = ((await response.json()) as { access_token: string }).access_token
    expect(claimsOf(other)['aud']).toBe(stack.otherResource)

    const transport = new StreamableHTTPClientTransport(new URL(stack.server.url), {
      requestInit: { headers: { authorization: `Bearer ${other}` } },
    })
    const client = new Client({ name: 'tests-mcp', version: '1.0.0' })
    clients.push(client)
    const error = await client.connect(transport).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(StreamableHTTPError)
    expect((error as StreamableHTTPError).code).toBe(401)

    const refused = await fetch(stack.server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${other}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect(await refused.json()).toMatchObject({
      error: 'invalid_token',
      error_description: 'The access token is not meant for this resource server',
    })
  })
})
