import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// examples/mcp as a child process, as the demo and tests/mcp start it, against the testing
// package's issuer; raw HTTP here (tests/mcp drives it with the real MCP client).
const serverPath = fileURLToPath(new URL('../dist/server.js', import.meta.url))

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [serverPath], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode
  const [code] = (await once(child, 'exit')) as [number | null]
  return code
}

async function waitForHealth(url: string, output: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${url}/health`)
      .then((res) => res.status === 200)
      .catch(() => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`example did not start: ${output()}`)
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  server.close()
  return port
}

describe('examples/mcp implements the examples contract for an MCP server', () => {
  let issuer: TestIssuer
  let server: { child: ChildProcess; output: () => string }
  let origin: string
  let resource: string

  beforeAll(async () => {
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    resource = `${origin}/mcp`
    issuer = await createTestIssuer({ audience: resource })
    server = start({ PORT: String(port), OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: resource })
    await waitForHealth(origin, server.output)
  })
  afterAll(async () => {
    server.child.kill('SIGTERM')
    await exited(server.child)
    await issuer.close()
  })

  let id = 0
  const rpc = (token: string | undefined, method: string, params: object = {}) =>
    fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
  const callTool = (token: string, name: string, args: object = {}) =>
    rpc(token, 'tools/call', { name, arguments: args })

  it('serves GET /health without a token', async () => {
    expect((await fetch(`${origin}/health`)).status).toBe(200)
  })

  it('serves its metadata at the path-inserted well-known URL, and names it in the 401', async () => {
    const wellKnown = `${origin}/.well-known/oauth-protected-resource/mcp`
    const response = await fetch(wellKnown)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      resource,
      authorization_servers: [issuer.issuer],
      scopes_supported: ['mcp:tools', 'mcp:admin'],
      resource_name: 'scopeguard example MCP server',
    })
    const anonymous = await rpc(undefined, 'initialize')
    expect(anonymous.status).toBe(401)
    const challenge = anonymous.headers.get('www-authenticate') ?? ''
    expect(challenge).toMatch(/^Bearer /)
    expect(challenge).toContain(`resource_metadata="${wellKnown}"`)
    expect(challenge).not.toContain('error=')
    // The scope every MCP request needs, so a client knows what to ask for (MCP 2025-11-25).
    expect(challenge).toContain('scope="mcp:tools"')
  })

  it('initializes and calls whoami with mcp:tools; the tool sees the SDK auth info', async () => {
    const token = await issuer.sign({ client_id: 'agent-1' }, { scope: 'mcp:tools' })
    const init = await rpc(token, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw', version: '0' },
    })
    expect(init.status).toBe(200)
    expect(await init.json()).toMatchObject({
      result: { serverInfo: { name: 'scopeguard-example-mcp' } },
    })
    const list = await rpc(token, 'tools/list')
    const tools = ((await list.json()) as { result: { tools: { name: string }[] } }).result.tools
    expect(tools.map((tool) => tool.name).sort()).toEqual(['audit_log', 'whoami'])
    const whoami = await callTool(token, 'whoami')
    expect(whoami.status).toBe(200)
    expect(await whoami.json()).toMatchObject({
      result: { content: [{ type: 'text', text: 'client agent-1, scopes: mcp:tools' }] },
    })
  })

  it('refuses audit_log without mcp:admin: 403 naming every scope the call needs', async () => {
    const token = await issuer.sign({}, { scope: 'mcp:tools' })
    const response = await callTool(token, 'audit_log')
    expect(response.status).toBe(403)
    const challenge = response.headers.get('www-authenticate') ?? ''
    expect(challenge).toContain('error="insufficient_scope"')
    expect(challenge).toContain('scope="mcp:tools mcp:admin"')
    const admin = await issuer.sign({ client_id: 'admin-1' }, { scope: 'mcp:tools mcp:admin' })
    const allowed = await callTool(admin, 'audit_log', { limit: 5 })
    expect(allowed.status).toBe(200)
    const body = (await allowed.json()) as {
      result: { structuredContent: { entries: { tool: string; clientId: string }[] } }
    }
    expect(body.result.structuredContent.entries.at(-1)).toMatchObject({
      tool: 'audit_log',
      clientId: 'admin-1',
    })
  })

  it('checks the scopes of every tool a batch calls', async () => {
    const token = await issuer.sign({}, { scope: 'mcp:tools' })
    const response = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'audit_log' } },
      ]),
    })
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toContain('scope="mcp:tools mcp:admin"')
  })

  it('refuses a token without mcp:tools (403) and a token for another resource (401)', async () => {
    const noScope = await rpc(await issuer.sign({}, { scope: 'mcp:admin' }), 'tools/list')
    expect(noScope.status).toBe(403)
    expect(noScope.headers.get('www-authenticate')).toContain('scope="mcp:tools"')
    const other = await issuer.sign({ aud: origin }, { scope: 'mcp:tools' })
    const refused = await rpc(other, 'tools/list')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"')
  })

  it('answers a body that is not JSON with a JSON-RPC parse error, without a stack trace', async () => {
    const token = await issuer.sign({}, { scope: 'mcp:tools' })
    const response = await fetch(`${origin}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"jsonrpc":',
    })
    expect(response.status).toBe(400)
    const text = await response.text()
    expect(JSON.parse(text)).toMatchObject({ error: { code: -32700 } })
    expect(text).not.toMatch(/at .*\.js/)
  })

  it('answers GET and DELETE /mcp with 405 for a valid token, 401 without', async () => {
    const token = await issuer.sign({}, { scope: 'mcp:tools' })
    const get = await fetch(`${origin}/mcp`, { headers: { authorization: `Bearer ${token}` } })
    expect(get.status).toBe(405)
    expect((await fetch(`${origin}/mcp`, { method: 'DELETE' })).status).toBe(401)
  })

  it('exits with a message naming a missing variable', async () => {
    const bad = start({ PORT: '0', OAUTH_ISSUER: issuer.issuer })
    expect(await exited(bad.child)).toBe(1)
    expect(bad.output()).toContain('OAUTH_AUDIENCE')
  })
})
