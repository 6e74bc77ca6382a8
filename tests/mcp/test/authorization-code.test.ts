import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ScriptedOAuthClient } from '../../../demo/src/mcp-client.js'
import type { BrowserStep } from '../../../demo/src/user-agent.js'
import { claimsOf, freePort, recordingFetch, startStack, textOf, type Stack } from './harness.js'

// The MCP SDK's interactive flow against examples/mcp and the demo's authorization server: a
// client with nothing configured but its redirect URI registers itself (RFC 7591), sends the
// user to log in and consent (a scripted browser), gets a token by authorization code + PKCE
// for the resource (RFC 8707), and steps up to mcp:admin on a 403 insufficient_scope.
let stack: Stack
const clients: Client[] = []

beforeAll(async () => {
  stack = await startStack()
})
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()))
})
afterAll(() => stack?.stop())

/** An MCP client whose user is a script, with no client id and no scope configured. */
async function interactiveClient(options: { decision?: 'allow' | 'deny' } = {}) {
  const authorizations: URL[] = []
  const pages: string[] = []
  const oauth = new ScriptedOAuthClient({
    redirectUrl: `http://127.0.0.1:${await freePort()}/callback`,
    clientName: 'tests/mcp',
    ...options,
    onAuthorizationUrl: (url) => authorizations.push(url),
    onBrowserStep: (step: BrowserStep) => {
      if (step.ask) pages.push(step.ask)
    },
  })
  const recorder = recordingFetch()
  const recordAndNote: typeof fetch = async (input, init) => {
    const response = await recorder.fetch(input, init)
    oauth.noteResponse(response)
    return response
  }
  const transport = () =>
    new StreamableHTTPClientTransport(new URL(stack.server.url), {
      authProvider: oauth,
      fetch: recordAndNote,
    })
  const client = new Client({ name: 'tests-mcp', version: '1.0.0' })
  clients.push(client)
  return { oauth, authorizations, pages, recorder, transport, client, fetch: recordAndNote }
}

/** Connects: the first attempt sends the user to authorize, the second uses the token. */
async function connectAuthorized(c: Awaited<ReturnType<typeof interactiveClient>>) {
  const first = c.transport()
  await expect(c.client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError)
  await first.finishAuth(c.oauth.takeAuthorizationCode())
  const transport = c.transport()
  await c.client.connect(transport)
  return transport
}

describe('authorization code + PKCE with the SDK client', () => {
  it('reads the scope to ask for from the 401, registers, and gets a resource-bound token', async () => {
    const c = await interactiveClient()
    await connectAuthorized(c)

    const [challenge] = c.recorder.responses
    expect(challenge).toMatchObject({ url: stack.server.url, status: 401 })
    expect(challenge?.challenge).toContain('scope="mcp:tools"')
    const clientId = c.oauth.clientInformation()?.client_id
    expect(clientId).toBeTruthy()
    expect(c.recorder.responses).toContainEqual(
      expect.objectContaining({ method: 'POST', url: stack.as.registrationEndpoint, status: 201 }),
    )
    // Not the metadata's scopes_supported (mcp:tools mcp:admin): what the 401 asked for.
    const [authorization] = c.authorizations
    expect(authorization?.searchParams.get('scope')).toBe('mcp:tools')
    expect(authorization?.searchParams.get('resource')).toBe(stack.server.url)
    expect(authorization?.searchParams.get('code_challenge_method')).toBe('S256')
    expect(c.pages).toEqual([
      `Sign in as demo-user to continue to tests/mcp (${clientId}).`,
      `tests/mcp (${clientId}) asks demo-user for mcp:tools at ${stack.server.url}.`,
    ])
    const tokens = c.oauth.savedTokenSet()
    expect(tokens?.refresh_token).toBeTruthy()
    expect(claimsOf(tokens?.access_token)).toMatchObject({
      iss: stack.as.issuer,
      aud: stack.server.url,
      sub: 'demo-user',
      client_id: clientId,
      scope: 'mcp:tools',
    })
    expect(textOf(await c.client.callTool({ name: 'whoami' }))).toBe(
      `client ${clientId}, scopes: mcp:tools`,
    )
  })

  it('steps up to mcp:admin on 403 insufficient_scope: consent again, then the call succeeds', async () => {
    const c = await interactiveClient()
    const transport = await connectAuthorized(c)
    const pagesBefore = c.pages.length

    await expect(c.client.callTool({ name: 'audit_log' })).rejects.toBeInstanceOf(UnauthorizedError)
    const refusal = c.recorder.responses.find((r) => r.status === 403)
    expect(refusal?.challenge).toContain('error="insufficient_scope"')
    expect(refusal?.challenge).toContain('scope="mcp:tools mcp:admin"')
    expect(c.authorizations).toHaveLength(2)
    expect(c.authorizations[1]?.searchParams.get('scope')).toBe('mcp:tools mcp:admin')
    // Signed in already: only the consent page, asking for what is new.
    const clientId = c.oauth.clientInformation()?.client_id
    expect(c.pages.slice(pagesBefore)).toEqual([
      `tests/mcp (${clientId}) asks demo-user for mcp:admin at ${stack.server.url}.`,
    ])

    await transport.finishAuth(c.oauth.takeAuthorizationCode())
    expect(claimsOf(c.oauth.savedTokenSet()?.access_token)['scope']).toBe('mcp:tools mcp:admin')
    const result = await c.client.callTool({ name: 'audit_log', arguments: { limit: 1 } })
    expect(result.structuredContent).toMatchObject({
      entries: [{ tool: 'audit_log', clientId }],
    })
  })

  it('refreshes the access token with the refresh token, without the user', async () => {
    const c = await interactiveClient()
    await connectAuthorized(c)
    const before = c.oauth.savedTokenSet()
    const pages = c.pages.length
    expect(await auth(c.oauth, { serverUrl: stack.server.url, fetchFn: c.fetch })).toBe(
      'AUTHORIZED',
    )
    const after = c.oauth.savedTokenSet()
    expect(after?.access_token).not.toBe(before?.access_token)
    expect(c.pages).toHaveLength(pages)
    expect(c.recorder.responses.at(-1)).toMatchObject({ url: stack.as.tokenEndpoint, status: 200 })
    expect(claimsOf(after?.access_token)).toMatchObject({
      aud: stack.server.url,
      scope: 'mcp:tools',
    })
    expect(textOf(await c.client.callTool({ name: 'whoami' }))).toContain('scopes: mcp:tools')
  })

  it('gets no token when the user denies consent', async () => {
    const c = await interactiveClient({ decision: 'deny' })
    await expect(c.client.connect(c.transport())).rejects.toThrow(/access_denied/)
    expect(c.oauth.savedTokenSet()).toBeUndefined()
  })
})
