import { requirementError, requirementHandlers } from '@scopeguard/core/adapter'
import type { Middleware } from 'koa'
import { NO_AUTH } from './auth.js'
import { ERROR_MODES, sendError } from './errors.js'

const handlers = requirementHandlers(ERROR_MODES, (rule, mode): Middleware => {
  return async function scopeguardRequirement(ctx, next) {
    const error = requirementError(rule, ctx.state as object, NO_AUTH)
    if (error === undefined) return next()
    if (mode === 'throw' || !sendError(ctx, error)) throw error
  }
})

/**
 * Route middleware checking the authenticated token: `requirement(rule)` runs any core
 * requirement, the others build one: `router.post('/files', protect(rs), requireScope('files:write'), …)`.
 * A failure answers with the requirement's error (403 `insufficient_scope`, or 401
 * `insufficient_user_authentication` for step-up), or is thrown with `{ errors: 'throw' }`. After
 * an `optional` `protect()` that let an anonymous request through, it answers 401 with the
 * server's challenge; without `protect()` before it, it throws a plain Error (a 500: a server bug).
 */
export const { requirement, requireScope, requireAnyScope, requireClaim } = handlers
/**
 * Step-up (RFC 9470: place `requireAuthentication()` before `requireScope()`, so that a client
 * lacking both first re-authenticates) and delegation (RFC 8693) requirements.
 */
export const { requireAuthentication, requireActor, requireDelegation, refuseDelegation } = handlers
