import type { AuthenticateOptions, ResourceServer, ResourceServerOptions } from '@scopeguard/core'
import {
  errorsOption,
  markAnonymous,
  resourceServerOf,
  successHeaders,
} from '@scopeguard/core/adapter'
import { errorResponse } from '@scopeguard/web'
import type { MiddlewareHandler } from 'hono'
import { setAuth, type OptionalScopeguardEnv, type ScopeguardEnv } from './auth.js'
import { requestLikeOf } from './request.js'

/** How a middleware answers a failure. */
export type ErrorMode = 'respond' | 'throw'

/** Per-route options of {@link protect}. */
export interface ProtectOptions extends AuthenticateOptions {
  /**
   * `respond` answers with the RFC 6750 response directly; `throw` throws the error for your
   * `app.onError` (see `errorHandler()`). The error carries `status` and `headers` either way.
   * @default 'respond'
   */
  errors?: ErrorMode
}

/**
 * Middleware that authenticates the request's access token and sets `c.get('auth')`. Give it a
 * resource server (to share one across routes) or resource server options.
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience })
 * app.get('/files', protect(rs), requireScope('files:read'), (c) => c.json(c.get('auth').scopes))
 * ```
 */
export function protect<Claims extends object = Record<string, unknown>>(
  server: ResourceServer<Claims> | ResourceServerOptions,
  options?: ProtectOptions & { optional?: false },
): MiddlewareHandler<ScopeguardEnv<Claims>>
export function protect<Claims extends object = Record<string, unknown>>(
  server: ResourceServer<Claims> | ResourceServerOptions,
  options: ProtectOptions & { optional: true },
): MiddlewareHandler<OptionalScopeguardEnv<Claims>>
export function protect<Claims extends object = Record<string, unknown>>(
  server: ResourceServer<Claims> | ResourceServerOptions,
  options: ProtectOptions = {},
): MiddlewareHandler {
  const rs = resourceServerOf<Claims>(server)
  const { errors, ...authenticateOptions } = options
  const mode = errorsOption('protect', errors, ['respond', 'throw'])
  return async function scopeguardProtect(c, next) {
    let auth
    try {
      auth = await rs.authenticate(await requestLikeOf(c), authenticateOptions)
    } catch (error) {
      if (mode === 'throw') throw error
      return errorResponse(error)
    }
    if (auth === undefined) {
      // An optional route let it through: a requirement after it answers 401 with our challenge.
      markAnonymous(c, rs.challengeParams)
      await next()
      return
    }
    setAuth(c, auth)
    await next()
    // Cache-Control: private for a query token, a fresh DPoP-Nonce: unless the handler (or an
    // error answer, whose no-store wins) already set them.
    const headers = Object.entries(successHeaders(auth)).filter(
      ([name]) => !c.res.headers.has(name),
    )
    if (headers.length === 0) return
    try {
      for (const [name, value] of headers) c.res.headers.set(name, value)
    } catch {
      c.res = new Response(c.res.body, c.res)
      for (const [name, value] of headers) c.res.headers.set(name, value)
    }
  }
}
