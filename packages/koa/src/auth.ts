import type { AuthInfo } from '@scopeguard/core'
import { authAccessors } from '@scopeguard/core/adapter'
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

/**
 * `getAuth(ctx)`: the auth object `protect()` stored for this request, typed with your claims,
 * whatever `stateKey` was used (`ctx.state` carries scopeguard's brand besides the key); it throws
 * when `protect()` did not run for this request or let it through anonymously. `hasAuth(ctx)`:
 * whether `protect()` authenticated it (false for anonymous requests on optional routes).
 */
export const { getAuth, hasAuth } = authAccessors<StateContext>(
  NO_AUTH,
  (ctx) => ctx.state as object,
)
