import type { AuthInfo } from '@scopeguard/core'
import type { PassportRequest } from './http.js'

/**
 * The callback a verify function calls once: `done(null, user, info?)` to accept (`user` becomes
 * `req.user`), `done(null, false, message?)` to reject the token (401 `invalid_token`, with the
 * message as `error_description`), or `done(error)` (a scopeguard error is answered with its
 * status; anything else goes to Passport's error path).
 */
export type VerifyDone = (error: unknown, user?: unknown, info?: unknown) => void

// Declared as methods so that callbacks annotating narrower types (Express's Request, typed
// claims) are accepted, as for any Passport strategy.
interface VerifyForms {
  withoutRequest(auth: AuthInfo, done: VerifyDone): unknown
  withRequest(req: PassportRequest, auth: AuthInfo, done: VerifyDone): unknown
}

/** Maps the verified token to your user: `(auth, done) => done(null, user)`. May be async. */
export type VerifyFunction = VerifyForms['withoutRequest']

/** Like {@link VerifyFunction}, with the request first (`passReqToCallback: true`). */
export type VerifyFunctionWithRequest = VerifyForms['withRequest']
