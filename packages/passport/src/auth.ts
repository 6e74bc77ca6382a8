import type { AuthInfo, OAuthError } from '@scopeguard/core'
import { authAccessors, setAuth as brand } from '@scopeguard/core/adapter'
import type { IncomingMessage } from 'node:http'

/** What `getAuth()` and a requirement without the strategy before it report. */
export const NO_AUTH =
  "scopeguard: no authenticated token on this request; register passport.authenticate('scopeguard', { session: false }) before this handler (or handle anonymous requests on optional strategies)"

const FAILURE = Symbol.for('scopeguard.passport.failure')

type Branded = Record<symbol, unknown>

/** Stores the verified token on the request, under the brand {@link getAuth} reads. */
export function setAuth(req: IncomingMessage, auth: AuthInfo<object>): void {
  // The brand every adapter reads, so getAuth() of @scopeguard/express finds the token too.
  brand(req, auth)
  // `delete` is a runtime call even for an absent property; a success rarely follows a failure.
  if (FAILURE in req) delete (req as unknown as Branded)[FAILURE]
}

/** Remembers why the strategy failed this request, for {@link getAuthError} and `errorHandler()`. */
export function setAuthError(req: IncomingMessage, error: OAuthError): void {
  ;(req as unknown as Branded)[FAILURE] = error
}

/**
 * `getAuth(req)`: the verified token of this request, typed with your claims, whatever `req.user`
 * was mapped to; it throws when `passport.authenticate()` with a `ScopeguardStrategy` did not
 * authenticate this request. `hasAuth(req)`: whether it did (false for anonymous requests on
 * optional strategies, and when a custom verify rejected the token).
 */
export const { getAuth, hasAuth } = authAccessors<IncomingMessage>(NO_AUTH)

/**
 * The scopeguard error with which `ScopeguardStrategy` failed this request (status, headers,
 * `toJSON()`), or undefined. Use it where Passport only reports a failure, e.g. in a custom
 * callback or `@nestjs/passport`'s `handleRequest`.
 */
export function getAuthError(req: IncomingMessage): OAuthError | undefined {
  return (req as unknown as Branded)[FAILURE] as OAuthError | undefined
}
