import {
  markAnonymous,
  peerCertificate,
  ConfigurationError,
  createResourceServer,
  validateRouteScopes,
  type AuthenticateOptions,
  type AuthInfo,
  type ResourceServer,
  type ResourceServerOptions,
} from '@scopeguard/core'
import type { Middleware } from 'koa'
import { setAuth, type OAuthState } from './auth.js'
import { errorMode, sendError, type ErrorMode } from './errors.js'

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
  const rs: ResourceServer<object> =
    'authenticate' in server ? server : createResourceServer(server)
  const { errors, stateKey = 'auth', ...authenticateOptions } = options
  const mode = errorMode('protect', errors)
  if (typeof stateKey !== 'string' || FORBIDDEN_KEYS.has(stateKey)) {
    throw new ConfigurationError(
      `protect() option stateKey must be a property name, got ${JSON.stringify(stateKey)}`,
    )
  }
  validateRouteScopes(authenticateOptions)
  return async function scopeguardProtect(ctx, next) {
    let auth: AuthInfo<object> | undefined
    try {
      auth = await rs.authenticate(
        {
          method: ctx.method,
          url: ctx.originalUrl,
          // For DPoP's htu, with the raw Host header, which the core reads and checks only when a
          // proof is (not ctx.host: Koa rewrites it, dropping userinfo, and takes
          // X-Forwarded-Host under app.proxy). ctx.protocol honours app.proxy. Set publicOrigin
          // behind a proxy. Read here, not in a getter: an accessor in an object literal gives
          // every request its own hidden class, which keeps requests alive until a full GC
          // (measured: +20 µs).
          protocol: ctx.protocol,
          headers: ctx.headers,
          rawHeaders: ctx.req.rawHeaders,
          // Set by a body parser such as @koa/bodyparser; Koa itself has no request.body.
          body: (ctx.request as { body?: unknown }).body,
          clientCertificate: peerCertificate(ctx.req.socket),
          remoteAddress: ctx.req.socket?.remoteAddress,
        },
        authenticateOptions,
      )
    } catch (error) {
      if (mode === 'throw' || !sendError(ctx, error)) throw error
      return
    }
    if (auth !== undefined) {
      setAuth(ctx, stateKey, auth)
      // e.g. a fresh DPoP-Nonce after the nonce rotated (RFC 9449 §8.2)
      if (auth.responseHeaders !== undefined) ctx.set({ ...auth.responseHeaders })
      // RFC 6750 §2.3: a response to a request authorized by a query token is private.
      if (auth.source === 'query') ctx.set('Cache-Control', 'private')
    } else {
      // An optional route let it through: a requirement after it answers 401 with our challenge.
      markAnonymous(ctx.state, rs.challengeParams)
    }
    await next()
  }
}
