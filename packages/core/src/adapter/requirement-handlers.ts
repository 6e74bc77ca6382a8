import { anonymousRefusal } from '../anonymous.js'
import type { Actor } from '../auth-info.js'
import { refuseDelegation, requireActor, requireDelegation } from '../delegation.js'
import { ConfigurationError } from '../errors.js'
import {
  requireAnyScope,
  requireClaim,
  requireScope,
  type ClaimExpectation,
  type RequireClaimOptions,
  type Requirement,
} from '../requirements.js'
import type { Scope } from '../scopes.js'
import { requireAuthentication, type AuthenticationPolicy } from '../step-up.js'
import { authOf } from './auth-slot.js'

/**
 * An adapter's requirement middleware (or decorators, or hooks), one per core requirement
 * builder. `Handler` is the framework's middleware type; `Options` the options of
 * {@link RequirementHandlers.requirement}.
 */
export interface RequirementHandlers<Handler, Options = never> {
  /** Runs any core {@link Requirement} (or one of your own) for the route. */
  requirement(rule: Requirement, options?: Options): Handler
  /** Requires every listed scope; 403 `insufficient_scope` listing them otherwise. */
  requireScope(...scopes: Scope[]): Handler
  /** Requires at least one of the listed scopes. */
  requireAnyScope(...scopes: Scope[]): Handler
  /**
   * Requires a claim value (contained, for array claims), `{ includes }` values (in an array or a
   * space-separated string claim) or a predicate over the claim; `options.description` replaces
   * the generic 403 description.
   */
  requireClaim(name: string, expected: ClaimExpectation, options?: RequireClaimOptions): Handler
  /**
   * Requires a strong or recent enough user authentication (RFC 9470 step-up): 401
   * `insufficient_user_authentication` with `acr_values` / `max_age` otherwise.
   */
  requireAuthentication(policy: AuthenticationPolicy): Handler
  /** Allows only the given acting parties (RFC 8693): the current actor's subject, or a predicate. */
  requireActor(...allowed: (string | ((actor: Actor) => boolean))[]): Handler
  /** Requires a delegated token (one with an `act` claim). */
  requireDelegation(): Handler
  /** Refuses delegated tokens (with an `act` claim): only the subject itself may call. */
  refuseDelegation(): Handler
}

function isRequirement(value: unknown): value is Requirement {
  return typeof (value as { check?: unknown } | null | undefined)?.check === 'function'
}

/**
 * Maps every core requirement builder onto the framework, through one function turning a
 * {@link Requirement} into the framework's middleware (in the spirit of auth0's `toHandler`).
 * The rule given to `toHandler` is checked: a value without `check` is a `ConfigurationError`
 * at route definition, not a 500 per request. Builders' own argument errors are thrown at once
 * too.
 *
 * ```ts
 * const handlers = requirementHandlers((rule, options?: { errors?: 'respond' | 'next' }) =>
 *   (req, res, next) => { … requirementError(rule, req, NO_AUTH) … })
 * export const requireScope = handlers.requireScope
 * ```
 */
export function requirementHandlers<Handler, Options = never>(
  toHandler: (rule: Requirement, options: Options | undefined) => Handler,
): RequirementHandlers<Handler, Options> {
  return {
    requirement(rule, options) {
      if (!isRequirement(rule)) {
        throw new ConfigurationError(
          'requirement() takes a requirement such as requireScope("files:read") from @scopeguard/core',
        )
      }
      return toHandler(rule, options)
    },
    requireScope: (...scopes) => toHandler(requireScope(...scopes), undefined),
    requireAnyScope: (...scopes) => toHandler(requireAnyScope(...scopes), undefined),
    requireClaim: (name, expected, options) =>
      toHandler(requireClaim(name, expected, options), undefined),
    requireAuthentication: (policy) => toHandler(requireAuthentication(policy), undefined),
    requireActor: (...allowed) => toHandler(requireActor(...allowed), undefined),
    requireDelegation: () => toHandler(requireDelegation(), undefined),
    refuseDelegation: () => toHandler(refuseDelegation(), undefined),
  }
}

/**
 * Checks a requirement for one request whose verified token (and anonymous mark) protect
 * recorded on `holder` (`recordAuth`). Returns undefined when it is met; otherwise what to answer
 * or pass on: the requirement's error (403 `insufficient_scope`, 401 for step-up), a 401 with
 * the server's challenge for an anonymous request on an optional route, or a plain Error with
 * the message `missing` when protect never ran (a server bug: let the framework answer 500).
 */
export function requirementError(rule: Requirement, holder: object, missing: string): unknown {
  const auth = authOf(holder)
  if (auth === undefined) return anonymousRefusal(holder) ?? new Error(missing)
  try {
    rule.check(auth)
  } catch (error) {
    // A requirement of the application's that throws nothing useful still refuses.
    return error ?? new Error('scopeguard: a requirement failed without an error')
  }
  return undefined
}
