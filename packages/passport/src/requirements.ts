import {
  requirementError,
  requirementHandlers,
  type RequirementOptions as Options,
} from '@scopeguard/core/adapter'
import { NO_AUTH } from './auth.js'
import { sendError } from './errors.js'
import type { Middleware } from './http.js'

/** Options of `requirement()`: `errors: 'next'` passes a failure to `next(err)`. */
export type RequirementOptions = Options<'respond' | 'next'>

const handlers = requirementHandlers(['respond', 'next'], (rule, mode): Middleware => {
  return function scopeguardRequirement(req, res, next) {
    // The token the strategy verified, not `req.user`: a verify callback may map the user freely.
    const error = requirementError(rule, req, NO_AUTH)
    if (error === undefined) next()
    else if (mode === 'next' || !sendError(res, error)) next(error)
  }
})

/**
 * Route middleware checking the token `ScopeguardStrategy` verified: `requirement(rule)` runs any
 * core requirement, the others build one:
 * `app.post('/files', passport.authenticate('scopeguard', { session: false }), requireScope('files:write'), …)`.
 * A failure answers with the requirement's error: 403 `insufficient_scope`, or 401
 * `insufficient_user_authentication` for step-up (place `requireAuthentication()` first).
 */
export const { requirement, requireScope, requireAnyScope, requireClaim } = handlers
/** Step-up (RFC 9470) and delegation (RFC 8693) requirements, checked on the verified token. */
export const { requireAuthentication, requireActor, requireDelegation, refuseDelegation } = handlers
