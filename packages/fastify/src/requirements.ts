import type { Requirement } from '@scopeguard/core'
import { requirementHandlers } from '@scopeguard/core/adapter'
import {
  checkRequirements,
  ERROR_MODES,
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

const handlers = requirementHandlers(ERROR_MODES, (rule, mode: ErrorMode): RequirementHook => {
  const rules = [rule]
  const hook: ScopeguardHook = async function scopeguardRequirement(request, reply) {
    try {
      checkRequirements(request, rules)
    } catch (error) {
      return refuse(reply, error, mode)
    }
    return undefined
  }
  return Object.assign(hook, {
    kind: rule.kind,
    scopes: rule.scopes,
    claim: rule.claim,
    check: (auth: Parameters<Requirement['check']>[0]) => rule.check(auth),
  })
})

/**
 * A route hook running a core {@link Requirement} (or one of your own) against `request.auth`,
 * after `protect()`. A failure answers with the requirement's error (403 `insufficient_scope`,
 * or 401 `insufficient_user_authentication` for step-up), or is thrown with
 * `{ errors: 'throw' }`.
 */
export const requirement: (rule: Requirement, options?: { errors?: ErrorMode }) => RequirementHook =
  handlers.requirement

/** Requires every listed scope: `{ preHandler: requireScope('files:write') }`. */
export const requireScope = handlers.requireScope

/** Requires at least one of the listed scopes. */
export const requireAnyScope = handlers.requireAnyScope

/**
 * Requires a claim value (contained, for array claims), `{ includes }` values (in an array or a
 * space-separated string claim) or a predicate over the claim; `options.description` replaces
 * the generic 403 description: `requireClaim('roles', { includes: 'admin' }, { description: 'Admins only' })`.
 */
export const requireClaim = handlers.requireClaim

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
export const requireAuthentication = handlers.requireAuthentication

/**
 * Allows only the given acting parties (RFC 8693 delegation): the current actor (`actors[0]`,
 * from the outermost `act` claim) must have one of these subjects or satisfy the predicate.
 * Tokens without `act` fail too. Failures are 403.
 */
export const requireActor = handlers.requireActor

/** Requires a delegated token (one with an `act` claim); others get 403. */
export const requireDelegation = handlers.requireDelegation

/** Refuses delegated tokens (with an `act` claim) with 403: only the subject itself may call. */
export const refuseDelegation = handlers.refuseDelegation
