import {
  requireAnyScope as anyScope,
  requireClaim as claim,
  requireScope as allScopes,
  type ClaimExpectation,
  type Requirement,
  type Scope,
} from '@scopeguard/core'
import { getAuth } from './auth.js'
import { sendError } from './errors.js'
import type { Middleware } from './http.js'

/** Options of {@link requirement}. */
export interface RequirementOptions {
  /**
   * `respond` sends the 403 directly; `next` passes the error to `next(err)` for your error
   * handler (see `errorHandler()`).
   * @default 'respond'
   */
  errors?: 'respond' | 'next'
}

/**
 * Route middleware running a core {@link Requirement} against the token `ScopeguardStrategy`
 * verified (not `req.user`, so a verify callback may map the user freely). A failure answers
 * 403 `insufficient_scope`.
 */
export function requirement(rule: Requirement, options: RequirementOptions = {}): Middleware {
  const { errors = 'respond' } = options
  if (errors !== 'respond' && errors !== 'next') {
    throw new TypeError(`scopeguard: requirement() option errors must be 'respond' or 'next'`)
  }
  return function scopeguardRequirement(req, res, next) {
    let auth
    try {
      auth = getAuth(req)
    } catch (error) {
      next(error)
      return
    }
    try {
      rule.check(auth)
    } catch (error) {
      if (errors === 'next' || !sendError(res, error)) next(error)
      return
    }
    next()
  }
}

/**
 * Requires every listed scope:
 * `app.post('/files', passport.authenticate('scopeguard', { session: false }), requireScope('files:write'), …)`.
 */
export function requireScope(...scopes: Scope[]): Middleware {
  return requirement(allScopes(...scopes))
}

/** Requires at least one of the listed scopes. */
export function requireAnyScope(...scopes: Scope[]): Middleware {
  return requirement(anyScope(...scopes))
}

/** Requires a claim value (contained, for array claims) or a predicate over the claim. */
export function requireClaim(name: string, expected: ClaimExpectation): Middleware {
  return requirement(claim(name, expected))
}
