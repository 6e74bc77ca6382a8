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
  type AuthInfo,
  type ClaimExpectation,
  type RequireClaimOptions,
  type Requirement,
  type Scope,
} from '@scopeguard/core'
import { errorResponse } from '@scopeguard/web'
import type { MiddlewareHandler } from 'hono'
import { getAuth } from './auth.js'
import { errorMode, type ErrorMode } from './protect.js'

/**
 * Route middleware running a core {@link Requirement} against `c.get('auth')`. A failure answers
 * with the requirement's error (403 `insufficient_scope`, or 401 `insufficient_user_authentication`
 * for step-up), or is thrown for `app.onError` with `{ errors: 'throw' }`.
 */
export function requirement(
  rule: Requirement,
  options: { errors?: ErrorMode } = {},
): MiddlewareHandler {
  const mode = errorMode(options.errors, 'requirement()')
  return async function scopeguardRequirement(c, next) {
    let auth: AuthInfo
    try {
      auth = getAuth(c)
    } catch (error) {
      // An anonymous request on an optional route: 401 with the server's challenge. Without
      // that mark, no authentication ran at all (a server bug, thrown as it is).
      const refusal = anonymousRefusal(c)
      if (refusal === undefined || mode === 'throw') throw refusal ?? error
      return errorResponse(refusal)
    }
    try {
      rule.check(auth)
    } catch (error) {
      if (mode === 'throw') throw error
      return errorResponse(error)
    }
    await next()
  }
}

/** Requires every listed scope: `app.post('/files', protect(rs), requireScope('files:write'), …)`. */
export function requireScope(...scopes: Scope[]): MiddlewareHandler {
  return requirement(allScopes(...scopes))
}

/** Requires at least one of the listed scopes. */
export function requireAnyScope(...scopes: Scope[]): MiddlewareHandler {
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
): MiddlewareHandler {
  return requirement(claim(name, expected, options))
}

/**
 * Requires a strong or recent enough user authentication (RFC 9470 step-up): the token's `acr`
 * must be one of `acrValues`, and/or its `auth_time` at most `maxAge` seconds old. Otherwise
 * 401 `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge. Place it
 * before `requireScope()` so that a client lacking both is first sent to re-authenticate.
 */
export function requireAuthentication(policy: AuthenticationPolicy): MiddlewareHandler {
  return requirement(authentication(policy))
}

/**
 * Allows only the given acting parties (RFC 8693 delegation): the current actor (`actors[0]`,
 * from the outermost `act` claim) must have one of these subjects or satisfy the predicate.
 * Tokens without `act` fail too. Failures are 403.
 */
export function requireActor(
  ...allowed: (string | ((actor: Actor) => boolean))[]
): MiddlewareHandler {
  return requirement(actor(...allowed))
}

/** Requires a delegated token (one with an `act` claim); others get 403. */
export function requireDelegation(): MiddlewareHandler {
  return requirement(delegated())
}

/** Refuses delegated tokens (with an `act` claim) with 403: only the subject itself may call. */
export function refuseDelegation(): MiddlewareHandler {
  return requirement(refuseDelegated())
}
