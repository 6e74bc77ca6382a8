import type { AuthenticateOptions, ResourceServer, ResourceServerOptions } from '@scopeguard/core'
import { errorsOption, resourceServerOf, validateRouteScopes } from '@scopeguard/core/adapter'
import { authenticate, ERROR_MODES, refuse, type ErrorMode, type ScopeguardHook } from './guard.js'

/** Options of {@link protect}. */
export interface ProtectOptions extends AuthenticateOptions {
  /**
   * `respond` sends the RFC 6750 answer through the reply; `throw` throws the error for your
   * `setErrorHandler` (see `sendError()`). The error carries `statusCode` and `headers` either way.
   * @default 'respond'
   */
  errors?: ErrorMode
}

/**
 * A hook that authenticates the request's access token and sets `request.auth`. Give it a
 * resource server (to share one across routes) or resource server options. With
 * `requiredScopes`, it also requires them and names them in the route's 401 challenges (`scope`);
 * `challengeScopes` names scopes there without checking them:
 *
 * ```ts
 * app.get('/files', { onRequest: protect(rs), preHandler: requireScope('files:read') }, listFiles)
 * ```
 *
 * As `onRequest`, it runs before the body is read (nothing is parsed for a refused request, and a
 * form `access_token` is not seen); as `preValidation`, the parsed form body is checked too (RFC
 * 6750 §2: a second token there is refused with 400, and `body: true` reads tokens from it) and an
 * unauthenticated client still gets 401 before any schema validation error.
 * @throws ConfigurationError at once for wrong options.
 */
export function protect(
  server: ResourceServer<object> | ResourceServerOptions,
  options: ProtectOptions = {},
): ScopeguardHook {
  const rs = resourceServerOf(server)
  const { errors, ...authenticateOptions } = options
  const mode = errorsOption('protect', errors, ERROR_MODES)
  validateRouteScopes(authenticateOptions)
  return async function scopeguardProtect(request, reply) {
    try {
      await authenticate(rs, request, reply, authenticateOptions)
    } catch (error) {
      return refuse(reply, error, mode)
    }
    return undefined
  }
}
