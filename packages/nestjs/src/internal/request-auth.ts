import type { AuthInfo } from '@scopeguard/core'

const AUTH = Symbol.for('scopeguard.auth')

type Holder = Record<PropertyKey, unknown>

/**
 * Records the guard's result on the request: `request.auth` for a token, and a brand that tells
 * "the guard ran and let an anonymous request through" (null) from "the guard never ran".
 */
export function setAuth(request: object, auth: AuthInfo<object> | undefined): void {
  if (auth !== undefined) (request as Holder)['auth'] = auth
  ;(request as Holder)[AUTH] = auth ?? null
}

/**
 * The auth object the guard stored, or undefined for an anonymous request on an
 * `@OptionalAuth()` route.
 * @throws Error when the guard did not run for this request.
 */
export function readAuth(request: object | undefined): AuthInfo | undefined {
  const auth = request === undefined ? undefined : (request as Holder)[AUTH]
  if (auth === undefined) {
    throw new Error(
      'scopeguard: no authenticated token on this request; protect the route with ScopeguardGuard (@UseGuards(ScopeguardGuard), or ScopeguardModule.forRoot({ global: true })) and do not mark it @Public()',
    )
  }
  return (auth ?? undefined) as AuthInfo | undefined
}
