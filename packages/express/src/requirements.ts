import {
  requireAnyScope as anyScope,
  requireClaim as claim,
  requireScope as allScopes,
  type ClaimExpectation,
  type Requirement,
  type Scope,
} from '@scopeguard/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { getAuth } from './auth.js'
import { sendError } from './errors.js'

/**
 * Route middleware running a core {@link Requirement} against `req.auth`. A failure answers
 * 403 `insufficient_scope` (or reaches `next(err)` with `{ errors: 'next' }`).
 */
export function requirement(
  rule: Requirement,
  options: { errors?: 'respond' | 'next' } = {},
): RequestHandler {
  const passOn = options.errors === 'next'
  return function scopeguardRequirement(req: Request, res: Response, next: NextFunction): void {
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
      if (passOn || !sendError(res, error)) next(error)
      return
    }
    next()
  }
}

/** Requires every listed scope: `app.post('/files', protect(rs), requireScope('files:write'), …)`. */
export function requireScope(...scopes: Scope[]): RequestHandler {
  return requirement(allScopes(...scopes))
}

/** Requires at least one of the listed scopes. */
export function requireAnyScope(...scopes: Scope[]): RequestHandler {
  return requirement(anyScope(...scopes))
}

/** Requires a claim value (contained, for array claims) or a predicate over the claim. */
export function requireClaim(name: string, expected: ClaimExpectation): RequestHandler {
  return requirement(claim(name, expected))
}
