import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import {
  startAuthorizationServer,
  type AuthorizationServer,
} from '../../../demo/src/authorization-server.js'
import { createDemoClients, MCP_SCOPES, type DemoClients } from '../../../demo/src/clients.js'

/** examples/mcp's entry point (built by turbo before the tests run). */
const SERVER = fileURLToPath(new URL('../../../examples/mcp/dist/server.js', import.meta.url))

/** Asks the OS for a free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  return typeof address === 'object' && address ? address.port : 0
}

export interface McpServerProcess {
  /** The MCP endpoint, also the server's resource identifier and the tokens' audience. */
  readonly url: string
  readonly origin: string
  output(): string
  stop(): Promise<void>
}

/**
 * Starts examples/mcp as a child process with the examples contract's variables (and nothing
 * else from this environment), its resource being `http://127.0.0.1:<port>/mcp`; resolves once
 * `GET /health` answers 200.
 */
export async function startMcpServer(issuer: string, port: number): Promise<McpServerProcess> {
  const origin = `http://127.0.0.1:${port}`
  const url = `${origin}/mcp`
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: String(port),
      OAUTH_ISSUER: issuer,
      OAUTH_AUDIENCE: url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) break
    const ok = await fetch(`${origin}/health`)
      .then((res) => res.status === 200)
      .catch(() => false)
    if (ok) return { url, origin, output: () => output, stop }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error(`examples/mcp did not start:\n${output}`)
}

/** A `fetch` for the SDK that delegates to the real one and records each response. */
export function recordingFetch(): {
  fetch: typeof fetch
  responses: Array<{ method: string; url: string; status: number; challenge: string | null }>
} {
  const responses: Array<{
    method: string
    url: string
    status: number
    challenge: string | null
  }> = []
  return {
    responses,
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      responses.push({
        method: init?.method ?? 'GET',
        url: input instanceof Request ? input.url : String(input),
        status: response.status,
        challenge: response.headers.get('www-authenticate'),
      })
      return response
    },
  }
}

/** The text parts of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ text?: string }> }).content ?? []
  return content.map((part) => part.text ?? '').join('\n')
}

/** The demo's authorization server and examples/mcp, started together. */
export interface Stack {
  readonly as: AuthorizationServer
  readonly server: McpServerProcess
  /** The demo's static clients (demo-app may get tokens for {@link otherResource}). */
  readonly clients: DemoClients
  /** Another API the authorization server issues tokens for (not running). */
  readonly otherResource: string
  /** Registers a client (RFC 7591) and returns the registration response. */
  register(metadata: Record<string, unknown>): Promise<Record<string, string>>
  stop(): Promise<void>
}

/**
 * Starts the demo's authorization server (oidc-provider, in-process) issuing tokens for
 * examples/mcp (scopes mcp:tools and mcp:admin) and for one other API, then examples/mcp.
 */
export async function startStack(): Promise<Stack> {
  const port = await freePort()
  const otherResource = `http://127.0.0.1:${await freePort()}`
  const clients = createDemoClients()
  const as = await startAuthorizationServer({
    port: 0,
    audience: otherResource,
    clients,
    resources: [{ resource: `http://127.0.0.1:${port}/mcp`, scopes: MCP_SCOPES }],
  })
  let server: McpServerProcess
  try {
    server = await startMcpServer(as.issuer, port)
  } catch (error) {
    await as.close()
    throw error
  }
  return {
    as,
    server,
    clients,
    otherResource,
    register: async (metadata) => {
      const response = await fetch(as.registrationEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(metadata),
      })
      const body = (await response.json()) as Record<string, string>
      if (response.status !== 201) throw new Error(`registration failed: ${JSON.stringify(body)}`)
      return body
    },
    stop: async () => {
      await server.stop()
      await as.close()
    },
  }
}

/** The payload of a JWT (not verified: the tests only read what the client was given). */
export function claimsOf(token: string | undefined): Record<string, unknown> {
  const payload = token?.split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}
