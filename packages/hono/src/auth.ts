import type { AuthInfo } from '@scopeguard/core'
import { authOf, requireAuthOf, setAuth as brand } from '@scopeguard/core/adapter'
import type { Context } from 'hono'

/** The variables `protect()` sets: `c.get('auth')`. Put them in your app's type: `new Hono<ScopeguardEnv>()`. */
export interface ScopeguardVariables<Claims extends object = Record<string, unknown>> {
  /** The verified access token. */
  auth: AuthInfo<Claims>
}

/** A Hono `Env` with scopeguard's variables: `new Hono<ScopeguardEnv>()`. */
export interface ScopeguardEnv<Claims extends object = Record<string, unknown>> {
  Variables: ScopeguardVariables<Claims>
}

/** What an `optional` route's `protect()` sets: `c.get('auth')` is undefined for anonymous requests. */
export interface OptionalScopeguardEnv<Claims extends object = Record<string, unknown>> {
  Variables: { auth: AuthInfo<Claims> | undefined }
}

const MISSING =
  'scopeguard: no authenticated token on this request; register protect() before this handler (or handle anonymous requests on optional routes)'

/** Stores the auth object on the context: `c.set('auth')`, and under scopeguard's brand (so another library's `auth` variable is not mistaken for ours). */
export function setAuth(c: Context, auth: AuthInfo<object>): void {
  c.set('auth', auth)
  brand(c, auth)
}

/** Whether `protect()` authenticated this request (false for anonymous requests on optional routes). */
export function hasAuth(c: Context): boolean {
  return authOf(c) !== undefined
}

/**
 * The auth object `protect()` stored for this request, typed with your claims.
 * @throws Error when `protect()` did not run for this request, or let it through anonymously.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  c: Context,
): AuthInfo<Claims> {
  return requireAuthOf<Claims>(c, MISSING)
}
