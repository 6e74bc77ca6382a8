import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { AuthInfo as McpAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { protect, requireScope, resourceMetadata, type Scope } from '@scopeguard/express'
import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express'
import type { ExampleConfig } from '@scopeguard/example-config'
import { z } from 'zod'
import { MCP_PATH } from './config.js'
import './scopes.js'

/** One line of the audit log: which tool was called, by whom. */
interface AuditEntry {
  tool: string
  clientId: string
  at: string
}

/**
 * The scopes each tool needs, checked over HTTP before the MCP server sees the call: a tool the
 * token does not cover is refused with 403 `insufficient_scope` and a challenge naming every scope
 * the call needs, which MCP clients read to ask the user for more (step-up).
 */
const TOOL_SCOPES: Readonly<Record<string, readonly Scope[]>> = {
  whoami: ['mcp:tools'],
  audit_log: ['mcp:tools', 'mcp:admin'],
}

/** Builds the resource server the example uses from its configuration. */
export function createExampleResourceServer(config: ExampleConfig): ResourceServer {
  return createResourceServer(config.resourceServer)
}

/** An MCP server with the example's two tools. One per request: the server is stateless. */
function createMcpServer(audit: AuditEntry[]): McpServer {
  const server = new McpServer({ name: 'scopeguard-example-mcp', version: '1.0.0' })
  const record = (tool: string, auth: McpAuthInfo | undefined): void => {
    audit.push({ tool, clientId: auth?.clientId ?? 'unknown', at: new Date().toISOString() })
    audit.splice(0, Math.max(0, audit.length - 100))
  }

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'Tells who the access token represents (needs mcp:tools).',
    },
    async (extra) => {
      record('whoami', extra.authInfo)
      const auth = extra.authInfo
      const text = `client ${auth?.clientId}, scopes: ${auth?.scopes.join(' ')}`
      return { content: [{ type: 'text', text }] }
    },
  )

  server.registerTool(
    'audit_log',
    {
      title: 'Audit log',
      description: 'The latest tool calls on this server (needs mcp:admin).',
      inputSchema: { limit: z.number().int().min(1).max(100).optional() },
    },
    async ({ limit }, extra) => {
      // Checked over HTTP already (TOOL_SCOPES); checked here too, where the data is.
      if (!extra.authInfo?.scopes.includes('mcp:admin')) {
        return { isError: true, content: [{ type: 'text', text: 'mcp:admin is required' }] }
      }
      record('audit_log', extra.authInfo)
      const entries = audit.slice(-(limit ?? 10))
      return {
        content: [{ type: 'text', text: JSON.stringify(entries) }],
        structuredContent: { entries },
      }
    },
  )
  return server
}

/** The names of the tools a JSON-RPC message (or batch) calls. */
function toolsCalled(body: unknown): string[] {
  const messages: unknown[] = Array.isArray(body) ? body : [body]
  return messages.flatMap((message) => {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { name?: unknown } }
    return method === 'tools/call' && typeof params?.name === 'string' ? [params.name] : []
  })
}

/** Requires the scopes of every tool the request calls (see {@link TOOL_SCOPES}). */
function requireToolScopes(): RequestHandler {
  const checks = new Map<string, RequestHandler>()
  return function toolScopes(req: Request, res: Response, next: NextFunction): void {
    const scopes = new Set(toolsCalled(req.body).flatMap((tool) => TOOL_SCOPES[tool] ?? []))
    if (scopes.size === 0) return next()
    const key = [...scopes].sort().join(' ')
    let check = checks.get(key)
    if (check === undefined) {
      check = requireScope(...scopes)
      checks.set(key, check)
    }
    check(req, res, next)
  }
}

/** The JSON-RPC answer to a body that is not JSON. */
const parseErrors: ErrorRequestHandler = (error: { type?: unknown }, _req, res, next) => {
  if (res.headersSent) return next(error)
  if (error.type === 'entity.parse.failed') {
    res
      .status(400)
      .json({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null })
    return
  }
  res
    .status(500)
    .json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null })
}

/**
 * The example MCP server: `POST /mcp` (Streamable HTTP, stateless) for any token with
 * `mcp:tools`, the `audit_log` tool also needing `mcp:admin`; `GET /health`; the protected
 * resource metadata (RFC 9728) at `/.well-known/oauth-protected-resource/mcp`.
 */
export function createApp(rs: ResourceServer): Express {
  const audit: AuditEntry[] = []
  const app = express()
  app.disable('x-powered-by')
  if (rs.resourceMetadata !== undefined) app.use(resourceMetadata(rs))

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  // The token first, then the body: nothing is parsed for a caller without a valid token. Every
  // MCP request needs mcp:tools, and the 401 names it, so a client knows what to ask for.
  const authenticated = protect(rs, { requiredScopes: ['mcp:tools'] })
  app.post(MCP_PATH, authenticated, express.json(), requireToolScopes(), async (req, res) => {
    const server = createMcpServer(audit)
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    })
    res.on('close', () => {
      void transport.close()
      void server.close()
    })
    await server.connect(transport)
    // protect() set req.auth, which is also the SDK's AuthInfo: the tools get it as authInfo.
    await transport.handleRequest(req, res, req.body)
  })
  // Stateless: no server-to-client stream (GET) and no session to end (DELETE).
  const notAllowed = (_req: Request, res: Response): void => {
    res
      .status(405)
      .set('Allow', 'POST')
      .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null })
  }
  app.get(MCP_PATH, authenticated, notAllowed)
  app.delete(MCP_PATH, authenticated, notAllowed)
  app.use(parseErrors)
  return app
}
