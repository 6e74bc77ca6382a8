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
import { errorsOption } from './adapter-options.js'
import { authOf } from './auth-slot.js'

/** Options of an adapter's `requirement(rule, options)`: how a failure is delivered. */
export interface RequirementOptions<Mode extends string> {
  /** One of the adapter's error modes, e.g. `'respond'` (the default) or `'next'`. */
  errors?: Mode
}

/**
 * An adapter's requirement middleware (or decorators, or hooks), one per core requirement
 * builder. `Handler` is the framework's middleware type; `Mode` the adapter's error modes.
 */
export interface RequirementHandlers<Handler, Mode extends string = never> {
  /** Runs any core {@link Requirement} (or one of your own) for the route. */
  requirement(rule: Requirement, options?: RequirementOptions<Mode>): Handler
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

type Modes = readonly [string, ...string[]]

/**
 * Maps every core requirement builder onto the framework, through one function turning a
 * {@link Requirement} into the framework's middleware (in the spirit of auth0's `toHandler`).
 * With `modes` (the adapter's error modes, the first the default), `requirement(rule, { errors })`
 * is checked against them and `toHandler` gets the mode; the builders use the default. Wrong
 * arguments (a rule without `check`, an unknown mode, a builder's own argument errors) are a
 * `ConfigurationError` at route definition, not a 500 per request.
 *
 * ```ts
 * const handlers = requirementHandlers(['respond', 'next'], (rule, mode) => (req, res, next) => {
 *   const error = requirementError(rule, req, NO_AUTH)
 *   if (error === undefined) next()
 *   else if (mode === 'next' || !sendError(res, error)) next(error)
 * })
 * export const { requireScope } = handlers
 * ```
 */
export function requirementHandlers<Handler>(
  toHandler: (rule: Requirement) => Handler,
): RequirementHandlers<Handler>
export function requirementHandlers<Handler, const M extends Modes>(
  modes: M,
  toHandler: (rule: Requirement, mode: M[number]) => Handler,
): RequirementHandlers<Handler, M[number]>
export function requirementHandlers<Handler>(
  ...args: [(rule: Requirement) => Handler] | [Modes, (rule: Requirement, mode: string) => Handler]
): RequirementHandlers<Handler, string> {
  type ToHandler = (rule: Requirement, mode: string) => Handler
  const [modes, toHandler]: [Modes, ToHandler] =
    args.length === 1 ? [['respond'], args[0]] : [args[0], args[1]]
  const build = (rule: Requirement): Handler => toHandler(rule, modes[0])
  return {
    requirement(rule, options) {
      if (!isRequirement(rule)) {
        throw new ConfigurationError(
          'requirement() takes a requirement such as requireScope("files:read") from @scopeguard/core',
        )
      }
      return toHandler(rule, errorsOption('requirement', options?.errors, modes))
    },
    requireScope: (...scopes) => build(requireScope(...scopes)),
    requireAnyScope: (...scopes) => build(requireAnyScope(...scopes)),
    requireClaim: (name, expected, options) => build(requireClaim(name, expected, options)),
    requireAuthentication: (policy) => build(requireAuthentication(policy)),
    requireActor: (...allowed) => build(requireActor(...allowed)),
    requireDelegation: () => build(requireDelegation()),
    refuseDelegation: () => build(refuseDelegation()),
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
