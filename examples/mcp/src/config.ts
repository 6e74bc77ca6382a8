import { readConfig, type ExampleConfig } from '@scopeguard/example-config'

/** The scopes of this MCP server, published as `scopes_supported`. */
export const MCP_SCOPES = ['mcp:tools', 'mcp:admin']

/** The path the MCP endpoint is served at. */
export const MCP_PATH = '/mcp'

/**
 * The examples contract's environment variables (see `@scopeguard/example-config`), for an MCP
 * server: its resource identifier is the MCP endpoint's URL — `OAUTH_RESOURCE`, else
 * `PUBLIC_ORIGIN` + `/mcp`, else `OAUTH_AUDIENCE` (e.g. `http://127.0.0.1:3000/mcp`) — so its
 * protected resource metadata is served at `/.well-known/oauth-protected-resource/mcp`, and it
 * publishes the MCP scopes.
 *
 * @throws Error with a message naming the variable that is missing or wrong.
 */
export function readMcpConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const config = readConfig(env)
  const metadata = config.resourceServer.resourceMetadata
  if (metadata === undefined) return config
  const resource =
    !env['OAUTH_RESOURCE'] && config.publicOrigin !== undefined
      ? `${config.publicOrigin}${MCP_PATH}`
      : metadata.resource
  return {
    ...config,
    resourceServer: {
      ...config.resourceServer,
      resourceMetadata: {
        ...metadata,
        resource,
        scopesSupported: MCP_SCOPES,
        resourceName: 'scopeguard example MCP server',
      },
    },
  }
}
