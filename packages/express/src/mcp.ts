/**
 * `@scopeguard/express/mcp`: scopeguard's verification behind the Model Context Protocol SDK's own
 * bearer middleware. Only this entry point imports the SDK (an optional peer dependency).
 */
import {
  InsufficientScopeError as McpInsufficientScopeError,
  InvalidRequestError as McpInvalidRequestError,
  InvalidTokenError as McpInvalidTokenError,
  ServerError as McpServerError,
} from '@modelcontextprotocol/sdk/server/auth/errors.js'
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js'
import { isOAuthError, type ResourceServer } from '@scopeguard/core'

/**
 * The MCP SDK's `OAuthTokenVerifier` backed by a resource server, for apps that use the SDK's
 * `requireBearerAuth()` middleware instead of `protect()`:
 *
 * ```ts
 * app.post('/mcp', requireBearerAuth({ verifier: mcpTokenVerifier(rs) }), handler)
 * ```
 *
 * `verifyAccessToken(token)` verifies like `rs.verifyToken(token)` and resolves to scopeguard's
 * auth object, which is the SDK's `AuthInfo` too. The SDK's middleware renders only its own error
 * classes (anything else becomes a 500), so refusals are rethrown as them: `invalid_token` and the
 * DPoP errors as `InvalidTokenError` (401), `invalid_request` as `InvalidRequestError` (400),
 * `insufficient_scope` as `InsufficientScopeError` (403), and an unreachable key source or
 * introspection endpoint as `ServerError` (500: the SDK has no 503). Descriptions stay the
 * client-safe ones. The SDK's middleware accepts only `Bearer` tokens and writes its own
 * challenges (pass it `resourceMetadataUrl` and `requiredScopes`); `protect()` does neither
 * limitation.
 */
export function mcpTokenVerifier(rs: ResourceServer<object>): OAuthTokenVerifier {
  return {
    async verifyAccessToken(token) {
      try {
        return await rs.verifyToken(token)
      } catch (error) {
        throw toMcpError(error)
      }
    },
  }
}

function toMcpError(error: unknown): unknown {
  if (!isOAuthError(error)) return error
  switch (error.code) {
    case 'invalid_request':
      return new McpInvalidRequestError(error.description)
    case 'insufficient_scope':
      return new McpInsufficientScopeError(error.description)
    case 'temporarily_unavailable':
      return new McpServerError(error.description)
    default:
      return new McpInvalidTokenError(error.description)
  }
}
