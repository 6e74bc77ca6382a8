import {
  anonymousRefusal,
  refuseDelegation as refuseDelegated,
  requireActor as actor,
  requireAnyScope as anyScope,
  requireAuthentication as authentication,
  requireClaim as claim,
  requireDelegation as delegated,
  requireScope as allScopes,
  type Actor,
  type AuthenticationPolicy,
  type ClaimExpectation,
  type RequireClaimOptions,
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
 * with the requirement's error: 403 `insufficient_scope`, or 401 `insufficient_user_authentication`
 * for step-up.
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
      // An anonymous request on an optional route: 401 with the server's challenge. Without
      // that mark, no authentication ran at all (a server bug, passed on as it is).
      const refusal = anonymousRefusal(req)
      if (refusal === undefined || errors === 'next' || !sendError(res, refusal))
        next(refusal ?? error)
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

/**
 * Requires a claim value (contained, for array claims), `{ includes }` values (in an array or a
 * space-separated string claim) or a predicate over the claim; `options.description` replaces
 * the generic 403 description: `requireClaim('roles', { includes: 'admin' }, { description: 'Admins only' })`.
 */
export function requireClaim(
  name: string,
  expected: ClaimExpectation,
  options?: RequireClaimOptions,
): Middleware {
  return requirement(claim(name, expected, options))
}

/**
 * Requires a strong or recent enough user authentication (RFC 9470 step-up): the token's `acr`
 * must be one of `acrValues`, and/or its `auth_time` at most `maxAge` seconds old. Otherwise
 * 401 `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge. Place it
 * before `requireScope()` so that a client lacking both is first sent to re-authenticate.
 */
export function requireAuthentication(policy: AuthenticationPolicy): Middleware {
  return requirement(authentication(policy))
}

/**
 * Allows only the given acting parties (RFC 8693 delegation): the current actor (`actors[0]`,
 * from the outermost `act` claim) must have one of these subjects or satisfy the predicate.
 * Tokens without `act` fail too. Failures are 403.
 */
export function requireActor(...allowed: (string | ((actor: Actor) => boolean))[]): Middleware {
  return requirement(actor(...allowed))
}

/** Requires a delegated token (one with an `act` claim); others get 403. */
export function requireDelegation(): Middleware {
  return requirement(delegated())
}

/** Refuses delegated tokens (with an `act` claim) with 403: only the subject itself may call. */
export function refuseDelegation(): Middleware {
  return requirement(refuseDelegated())
}
