import { randomBytes } from 'node:crypto'

/** Every scope the example API understands. */
export const API_SCOPES = ['files:read', 'files:write', 'account:read'] as const

/** The scopes of examples/mcp: `mcp:tools` for its tools, `mcp:admin` for its admin tool. */
export const MCP_SCOPES = ['mcp:tools', 'mcp:admin'] as const

/** The user the demo's login page signs in (there is no password: it is a demo). */
export const DEMO_USER = 'demo-user'

export interface DemoClient {
  readonly id: string
  readonly secret: string
  /** The scopes this client may ask for (oidc-provider's `scope` client metadata). */
  readonly scopes: readonly string[]
}

export interface DemoClients {
  readonly app: DemoClient
  readonly reader: DemoClient
  /** The example API's own client, used to introspect opaque tokens. */
  readonly api: DemoClient
}

const secret = (): string => randomBytes(24).toString('base64url')

/** The two confidential clients, with secrets that are new on every start. */
export function createDemoClients(): DemoClients {
  return {
    app: { id: 'demo-app', secret: secret(), scopes: API_SCOPES },
    reader: { id: 'demo-reader', secret: secret(), scopes: ['files:read'] },
    api: { id: 'demo-api', secret: secret(), scopes: [] },
  }
}
