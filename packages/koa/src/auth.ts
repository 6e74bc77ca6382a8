import type { AuthInfo } from '@scopeguard/core'
import { authOf, requireAuthOf } from '@scopeguard/core/adapter'
import type { ParameterizedContext } from 'koa'

/**
 * The state `protect()` adds to `ctx.state`: the verified access token under `auth`. Type your
 * middleware or router with it (`Middleware<OAuthState>`, `new Router<OAuthState>()`); the library
 * does not augment Koa's global `DefaultState`.
 */
export interface OAuthState<Claims extends object = Record<string, unknown>> {
  /** The verified access token, set by `protect()`. */
  auth: AuthInfo<Claims>
}

/** A Koa context, as far as this package reads it: only its `state`. */
export type StateContext = Pick<ParameterizedContext, 'state'>

/** What `getAuth()` and a requirement without `protect()` before it report. */
export const NO_AUTH =
  'scopeguard: no authenticated token on this request; register protect() before this middleware (or handle anonymous requests on optional routes)'

/** Whether `protect()` authenticated this request (false for anonymous requests on optional routes). */
export function hasAuth(ctx: StateContext): boolean {
  return authOf(ctx.state as object | undefined) !== undefined
}

/**
 * The auth object `protect()` stored for this request, typed with your claims. It is found
 * whatever `stateKey` was used (`ctx.state` carries scopeguard's brand besides the key).
 * @throws Error when `protect()` did not run for this request, or let it through anonymously.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  ctx: StateContext,
): AuthInfo<Claims> {
  return requireAuthOf<Claims>((ctx.state as object | undefined) ?? {}, NO_AUTH)
}
