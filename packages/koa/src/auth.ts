import type { AuthInfo } from '@scopeguard/core'
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

const AUTH = Symbol.for('scopeguard.auth')

/**
 * Stores the auth object at `ctx.state[stateKey]`, plus a non-enumerable brand that `getAuth`
 * reads, so another library's `ctx.state.auth` is never mistaken for a verified token.
 */
export function setAuth(ctx: StateContext, stateKey: string, auth: AuthInfo<object>): void {
  const state = ctx.state as Record<string, unknown>
  state[stateKey] = auth
  Object.defineProperty(state, AUTH, { value: auth, configurable: true, enumerable: false })
}

/** Whether `protect()` authenticated this request (false for anonymous requests on optional routes). */
export function hasAuth(ctx: StateContext): boolean {
  return readAuth(ctx) !== undefined
}

function readAuth(ctx: StateContext): unknown {
  const state = ctx.state as Record<symbol, unknown> | undefined
  return state?.[AUTH]
}

/**
 * The auth object `protect()` stored for this request, typed with your claims. It is found
 * whatever `stateKey` was used.
 * @throws Error when `protect()` did not run for this request, or let it through anonymously.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  ctx: StateContext,
): AuthInfo<Claims> {
  const auth = readAuth(ctx)
  if (auth === undefined) {
    throw new Error(
      'scopeguard: no authenticated token on this request; register protect() before this middleware (or handle anonymous requests on optional routes)',
    )
  }
  return auth as AuthInfo<Claims>
}
