import { isOAuthError, type Requirement } from '@scopeguard/core'
import { errorsOption, requirementError, requirementHandlers } from '@scopeguard/core/adapter'
import { errorResponse } from '@scopeguard/web'
import type { MiddlewareHandler } from 'hono'
import type { ErrorMode } from './protect.js'

const MISSING =
  'scopeguard: a requirement ran on a request protect() did not authenticate; register protect() before it'

/**
 * Route middleware running a core {@link Requirement} against `c.get('auth')`. A failure answers
 * with the requirement's error (403 `insufficient_scope`, or 401 `insufficient_user_authentication`
 * for step-up; 401 with the server's challenge for an anonymous request on an optional route), or
 * is thrown for `app.onError` with `{ errors: 'throw' }`. Without `protect()` before it, it throws.
 */
function toMiddleware(
  rule: Requirement,
  options: { errors?: ErrorMode } | undefined,
): MiddlewareHandler {
  const mode = errorsOption('requirement', options?.errors, ['respond', 'throw'])
  return async function scopeguardRequirement(c, next) {
    const error = requirementError(rule, c, MISSING)
    if (error === undefined) {
      await next()
      return
    }
    // protect() never ran (a server bug): thrown as it is, for a 500.
    if (mode === 'throw' || !isOAuthError(error)) throw error
    return errorResponse(error)
  }
}

const handlers = requirementHandlers(toMiddleware)

export const {
  /** Middleware for any core `Requirement`: `requirement(rule, { errors: 'throw' })`. */
  requirement,
  /** Requires every listed scope: `app.post('/files', protect(rs), requireScope('files:write'), …)`. */
  requireScope,
  /** Requires at least one of the listed scopes. */
  requireAnyScope,
  /** Requires a claim value, `{ includes }` values or a predicate (403 otherwise). */
  requireClaim,
  /** Step-up (RFC 9470): 401 `insufficient_user_authentication` with `acr_values` / `max_age`. */
  requireAuthentication,
  /** Delegation (RFC 8693): only the given current actors (403 otherwise). */
  requireActor,
  /** Requires a delegated token (one with an `act` claim); others get 403. */
  requireDelegation,
  /** Refuses delegated tokens (with an `act` claim) with 403. */
  refuseDelegation,
} = handlers
