import type { AuthInfo, OAuthError } from '@scopeguard/core'
import type { IncomingMessage } from 'node:http'

// The same brand @scopeguard/express uses, so getAuth() of either package finds the token.
const AUTH = Symbol.for('scopeguard.auth')
const FAILURE = Symbol.for('scopeguard.passport.failure')

type Branded = Record<symbol, unknown>

/** Stores the verified token on the request, under the brand {@link getAuth} reads. */
export function setAuth(req: IncomingMessage, auth: AuthInfo<object>): void {
  ;(req as unknown as Branded)[AUTH] = auth
  // `delete` is a runtime call even for an absent property; a success rarely follows a failure.
  if (FAILURE in req) delete (req as unknown as Branded)[FAILURE]
}

/** Remembers why the strategy failed this request, for {@link getAuthError} and `errorHandler()`. */
export function setAuthError(req: IncomingMessage, error: OAuthError): void {
  ;(req as unknown as Branded)[FAILURE] = error
}

/**
 * Whether `ScopeguardStrategy` authenticated this request (false for anonymous requests on
 * optional strategies, and when a custom verify rejected the token).
 */
export function hasAuth(req: IncomingMessage): boolean {
  return (req as unknown as Branded)[AUTH] !== undefined
}

/**
 * The verified token of this request, typed with your claims, whatever `req.user` was mapped to.
 * @throws Error when `passport.authenticate()` with a `ScopeguardStrategy` did not authenticate
 *   this request.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  req: IncomingMessage,
): AuthInfo<Claims> {
  const auth = (req as unknown as Branded)[AUTH]
  if (auth === undefined) {
    throw new Error(
      "scopeguard: no authenticated token on this request; register passport.authenticate('scopeguard', { session: false }) before this handler (or handle anonymous requests on optional strategies)",
    )
  }
  return auth as AuthInfo<Claims>
}

/**
 * The scopeguard error with which `ScopeguardStrategy` failed this request (status, headers,
 * `toJSON()`), or undefined. Use it where Passport only reports a failure, e.g. in a custom
 * callback or `@nestjs/passport`'s `handleRequest`.
 */
export function getAuthError(req: IncomingMessage): OAuthError | undefined {
  return (req as unknown as Branded)[FAILURE] as OAuthError | undefined
}
