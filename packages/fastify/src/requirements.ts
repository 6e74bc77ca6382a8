import {
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
import {
  checkRequirements,
  errorMode,
  refuse,
  type ErrorMode,
  type ScopeguardHook,
} from './guard.js'

/**
 * A route hook checking one requirement, usable as `preHandler: requireScope('files:write')`.
 * It is the core {@link Requirement} too, so the same value also goes in a route's
 * `config.scopeguard.requirements` and in `rs.authorize(auth, …)`.
 */
export type RequirementHook = ScopeguardHook & Requirement

/**
 * A route hook running a core {@link Requirement} against `request.auth`, after `protect()`. A
 * failure answers with the requirement's error (403 `insufficient_scope`, or 401
 * `insufficient_user_authentication` for step-up), or is thrown with `{ errors: 'throw' }`.
 */
export function requirement(
  rule: Requirement,
  options: { errors?: ErrorMode } = {},
): RequirementHook {
  const mode = errorMode(options.errors, 'requirement()')
  const rules = [rule]
  async function scopeguardRequirement(
    ...[request, reply]: Parameters<ScopeguardHook>
  ): Promise<unknown> {
    try {
      checkRequirements(request, rules)
    } catch (error) {
      return refuse(reply, error, mode)
    }
    return undefined
  }
  return Object.assign(scopeguardRequirement, {
    kind: rule.kind,
    scopes: rule.scopes,
    claim: rule.claim,
    check: (auth: Parameters<Requirement['check']>[0]) => rule.check(auth),
  })
}

/** Requires every listed scope: `{ preHandler: requireScope('files:write') }`. */
export function requireScope(...scopes: Scope[]): RequirementHook {
  return requirement(allScopes(...scopes))
}

/** Requires at least one of the listed scopes. */
export function requireAnyScope(...scopes: Scope[]): RequirementHook {
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
): RequirementHook {
  return requirement(claim(name, expected, options))
}

/**
 * Requires a strong or recent enough user authentication (RFC 9470 step-up): the token's `acr`
 * must be one of `acrValues`, and/or its `auth_time` at most `maxAge` seconds old. Otherwise
 * 401 `insufficient_user_authentication` with `acr_values` / `max_age` in the challenge. Place it
 * before `requireScope()` so that a client lacking both is first sent to re-authenticate:
 *
 * ```ts
 * app.post('/transfers', {
 *   onRequest: protect(rs),
 *   preHandler: [requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }), requireScope('transfers')],
 * }, transfer)
 * ```
 */
export function requireAuthentication(policy: AuthenticationPolicy): RequirementHook {
  return requirement(authentication(policy))
}

/**
 * Allows only the given acting parties (RFC 8693 delegation): the current actor (`actors[0]`,
 * from the outermost `act` claim) must have one of these subjects or satisfy the predicate.
 * Tokens without `act` fail too. Failures are 403.
 */
export function requireActor(
  ...allowed: (string | ((actor: Actor) => boolean))[]
): RequirementHook {
  return requirement(actor(...allowed))
}

/** Requires a delegated token (one with an `act` claim); others get 403. */
export function requireDelegation(): RequirementHook {
  return requirement(delegated())
}

/** Refuses delegated tokens (with an `act` claim) with 403: only the subject itself may call. */
export function refuseDelegation(): RequirementHook {
  return requirement(refuseDelegated())
}
