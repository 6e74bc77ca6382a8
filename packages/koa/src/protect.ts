import {
  ConfigurationError,
  type AuthenticateOptions,
  type AuthInfo,
  type ResourceServer,
  type ResourceServerOptions,
} from '@scopeguard/core'
import {
  errorsOption,
  fromNodeRequest,
  recordAuth,
  resourceServerOf,
  successHeaders,
  validateRouteScopes,
} from '@scopeguard/core/adapter'
import type { Middleware } from 'koa'
import type { OAuthState } from './auth.js'
import { ERROR_MODES, sendError, type ErrorMode } from './errors.js'

/** Options of {@link protect}: the core's per-route options plus where and how to answer. */
export interface ProtectOptions<
  Key extends string = string,
  Optional extends boolean = boolean,
> extends Omit<AuthenticateOptions, 'optional'> {
  /**
   * Let requests without any token through anonymously (`ctx.state.auth` stays unset). A request
   * that carries a token is still verified: an invalid token is a 401, never anonymous.
   * @default false
   */
  optional?: Optional
  /**
   * `respond` answers errors itself (status, `WWW-Authenticate`, `Cache-Control: no-store`, JSON
   * body); `throw` throws the core error, which carries `status`, `headers` and `expose`, for your
   * error middleware or Koa's `ctx.onerror` (which then sends a text body).
   * @default 'respond'
   */
  errors?: ErrorMode
  /**
   * The `ctx.state` property receiving the auth object. `'user'` suits code written for koa-jwt.
   * `getAuth(ctx)` finds it under any key.
   * @default 'auth'
   */
  stateKey?: Key
}

/**
 * The state {@link protect} adds: {@link OAuthState} by default, the same under `stateKey`, and
 * with the property optional for `optional: true` routes.
 */
export type ProtectedState<
  Claims extends object = Record<string, unknown>,
  Key extends string = 'auth',
  Optional extends boolean = false,
> = [Key] extends ['auth']
  ? [Optional] extends [false]
    ? OAuthState<Claims>
    : Partial<OAuthState<Claims>>
  : [Optional] extends [false]
    ? { [K in Key]: AuthInfo<Claims> }
    : { [K in Key]?: AuthInfo<Claims> }

const FORBIDDEN_KEYS = new Set(['', '__proto__', 'constructor', 'prototype'])

/**
 * Koa middleware that authenticates the request's access token and sets `ctx.state.auth`. Give it
 * a resource server (to share one across routes) or resource server options. With `requiredScopes`,
 * it also requires them and names them in the route's 401 challenges (`scope`).
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience })
 * router.get('/files', protect(rs), requireScope('files:read'), listFiles)
 * ```
 * @throws ConfigurationError at once for wrong options.
 */
export function protect<
  Claims extends object = Record<string, unknown>,
  Key extends string = 'auth',
  Optional extends boolean = false,
>(
  server: ResourceServer<Claims> | ResourceServerOptions,
  options: ProtectOptions<Key, Optional> = {},
): Middleware<ProtectedState<Claims, Key, Optional>> {
  const rs: ResourceServer<object> = resourceServerOf<object>(server)
  const { errors, stateKey = 'auth', ...authenticateOptions } = options
  const mode = errorsOption('protect', errors, ERROR_MODES)
  if (typeof stateKey !== 'string' || FORBIDDEN_KEYS.has(stateKey)) {
    throw new ConfigurationError(
      `protect() option stateKey must be a property name, got ${JSON.stringify(stateKey)}`,
    )
  }
  validateRouteScopes(authenticateOptions)
  return async function scopeguardProtect(ctx, next) {
    // Not ctx.host (Koa rewrites it, dropping userinfo, and takes X-Forwarded-Host under
    // app.proxy): the core reads the raw Host header. ctx.protocol honours app.proxy; set
    // publicOrigin behind a proxy. The body is there when a body parser such as
    // @koa/bodyparser ran.
    const request = fromNodeRequest(ctx.req, {
      url: ctx.originalUrl,
      protocol: ctx.protocol,
      headers: ctx.headers,
      body: (ctx.request as { body?: unknown }).body,
    })
    let auth: AuthInfo<object> | undefined
    try {
      auth = await rs.authenticate(request, authenticateOptions)
    } catch (error) {
      if (mode === 'throw' || !sendError(ctx, error)) throw error
      return
    }
    recordAuth(ctx.state as object, auth, rs)
    if (auth !== undefined) {
      ;(ctx.state as Record<string, unknown>)[stateKey] = auth
      const headers = successHeaders(auth)
      for (const name in headers) ctx.set(name, headers[name] as string)
    }
    await next()
  }
}
