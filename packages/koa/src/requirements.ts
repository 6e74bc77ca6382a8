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
import type { Middleware } from 'koa'
import { getAuth, hasAuth } from './auth.js'
import { errorMode, sendError, type ErrorMode } from './errors.js'

/**
 * Route middleware running a core {@link Requirement} against the authenticated token. A failure
 * answers with the requirement's error (403 `insufficient_scope`, or 401
 * `insufficient_user_authentication` for step-up), or is thrown with `{ errors: 'throw' }`. After
 * an `optional` `protect()` that let an anonymous request through, it answers 401 with the
 * server's challenge. Without `protect()` before it, it throws a plain Error (a 500: a server
 * bug, not the client's fault).
 */
export function requirement(rule: Requirement, options: { errors?: ErrorMode } = {}): Middleware {
  const mode = errorMode('requirement', options.errors)
  return async function scopeguardRequirement(ctx, next) {
    // An anonymous request on an optional route: 401 with the server's challenge.
    const refusal = hasAuth(ctx) ? undefined : anonymousRefusal(ctx.state)
    if (refusal !== undefined) {
      if (mode === 'throw' || !sendError(ctx, refusal)) throw refusal
      return
    }
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
 *
 * ```ts
 * router.post('/transfers', protect(rs), requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }), transfer)
 * ```
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
