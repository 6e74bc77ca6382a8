import { requirementError, requirementHandlers } from '@scopeguard/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { NO_AUTH } from './auth.js'
import { ERROR_MODES, sendError } from './errors.js'

/** Express middleware (an interface, so that the declarations below can name it). */
interface Middleware extends RequestHandler {}

const handlers = requirementHandlers(ERROR_MODES, (rule, mode): Middleware => {
  return function scopeguardRequirement(req: Request, res: Response, next: NextFunction): void {
    const error = requirementError(rule, req, NO_AUTH)
    if (error === undefined) next()
    else if (mode === 'next' || !sendError(res, error)) next(error)
  }
})

/**
 * Route middleware checking `req.auth`: `requirement(rule)` runs any core requirement, the others
 * build one: `app.post('/files', protect(rs), requireScope('files:write'), …)`. A failure answers
 * with the requirement's error (403 `insufficient_scope`, or 401
 * `insufficient_user_authentication` for step-up), or reaches `next(err)` with
 * `requirement(rule, { errors: 'next' })`.
 */
export const { requirement, requireScope, requireAnyScope, requireClaim } = handlers
/**
 * Step-up (RFC 9470): place `requireAuthentication({ acrValues, maxAge })` before `requireScope()`,
 * so that a client lacking both first re-authenticates. Delegation (RFC 8693): the current actor.
 */
export const { requireAuthentication, requireActor, requireDelegation, refuseDelegation } = handlers
