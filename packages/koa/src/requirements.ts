import {
  requireAnyScope as anyScope,
  requireClaim as claim,
  requireScope as allScopes,
  type ClaimExpectation,
  type Requirement,
  type Scope,
} from '@scopeguard/core'
import type { Middleware } from 'koa'
import { getAuth } from './auth.js'
import { errorMode, sendError, type ErrorMode } from './errors.js'

/**
 * Route middleware running a core {@link Requirement} against the authenticated token. A failure
 * answers 403 `insufficient_scope` (or is thrown with `{ errors: 'throw' }`). Without `protect()`
 * before it, it throws a plain Error (a 500: a server bug, not the client's fault).
 */
export function requirement(rule: Requirement, options: { errors?: ErrorMode } = {}): Middleware {
  const mode = errorMode('requirement', options.errors)
  return async function scopeguardRequirement(ctx, next) {
    const auth = getAuth(ctx)
    try {
      rule.check(auth)
    } catch (error) {
      if (mode === 'throw' || !sendError(ctx, error)) throw error
      return
    }
    await next()
  }
}

/** Requires every listed scope: `router.post('/files', protect(rs), requireScope('files:write'), …)`. */
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
