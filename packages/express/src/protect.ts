import type { AuthenticateOptions, ResourceServer, ResourceServerOptions } from '@scopeguard/core'
import {
  errorsOption,
  fromNodeRequest,
  markAnonymous,
  resourceServerOf,
  successHeaders,
  validateRouteScopes,
} from '@scopeguard/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { setAuth } from './auth.js'
import { ERROR_MODES, sendError } from './errors.js'

/** Per-route options of {@link protect}. */
export interface ProtectOptions extends AuthenticateOptions {
  /**
   * `respond` sends the RFC 6750 answer directly; `next` passes the error to `next(err)` for your
   * error handler (see `errorHandler()`). The error carries `status` and `headers` either way.
   * @default 'respond'
   */
  errors?: 'respond' | 'next'
}

/**
 * Middleware that authenticates the request's access token and sets `req.auth`. Give it a
 * resource server (to share one across routes) or resource server options. With `requiredScopes`, it also
 * requires them and names them in the route's 401 challenges (`scope`), so a client knows what to
 * ask for; a `requireScope()` after it cannot do that, as middleware does not see what follows it.
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience })
 * app.get('/files', protect(rs, { requiredScopes: ['files:read'] }), listFiles)
 * ```
 * @throws ConfigurationError at once for wrong route options.
 */
export function protect(
  server: ResourceServer<object> | ResourceServerOptions,
  options: ProtectOptions = {},
): RequestHandler {
  const rs = resourceServerOf(server)
  const { errors, ...authenticateOptions } = options
  const mode = errorsOption('protect', errors, ERROR_MODES)
  validateRouteScopes(authenticateOptions)
  return function scopeguardProtect(req: Request, res: Response, next: NextFunction): void {
    // req.protocol honours `trust proxy`, for DPoP's htu; set publicOrigin behind a proxy.
    const request = fromNodeRequest(req, {
      url: req.originalUrl,
      protocol: req.protocol,
      body: req.body,
    })
    rs.authenticate(request, authenticateOptions).then(
      (auth) => {
        if (auth === undefined) markAnonymous(req, rs.challengeParams)
        else {
          setAuth(req, auth)
          const headers = successHeaders(auth)
          for (const name in headers) res.setHeader(name, headers[name] as string)
        }
        next()
      },
      (error: unknown) => {
        if (mode === 'next' || !sendError(res, error)) next(error)
      },
    )
  }
}
