import { refusal, type Actor } from './auth-info.js'
import { ConfigurationError, InsufficientScopeError } from './errors.js'
import type { Requirement } from './requirements.js'

function forbidden(
  description: string,
  auth: Parameters<Requirement['check']>[0],
): InsufficientScopeError {
  return refusal(
    auth,
    (challenge) => new InsufficientScopeError([], description, { reason: 'delegation', challenge }),
  )
}

/**
 * Requires a delegated token (RFC 8693 token exchange): one with an `act` claim, used by a service
 * acting on a user's behalf. Fails with 403.
 */
export function requireDelegation(): Requirement {
  return {
    kind: 'delegation',
    scopes: [],
    check(auth) {
      if (auth.actors.length === 0) {
        throw forbidden('This request must be made on behalf of a user (a delegated token)', auth)
      }
    },
  }
}

/** Refuses delegated tokens: only the subject itself may make this request. Fails with 403. */
export function refuseDelegation(): Requirement {
  return {
    kind: 'delegation',
    scopes: [],
    check(auth) {
      if (auth.actors.length > 0) {
        throw forbidden('This request may not be made by an acting party (delegated token)', auth)
      }
    },
  }
}

/**
 * Allows only given actors: the current actor (`actors[0]`, the party presenting the token) must
 * have one of these subjects, or satisfy the predicate. Only the current actor decides, as RFC
 * 8693 §4.1 requires; earlier actors in the chain are informational. A token without `act` fails.
 */
export function requireActor(...allowed: (string | ((actor: Actor) => boolean))[]): Requirement {
  if (allowed.length === 0) throw new ConfigurationError('requireActor() needs at least one actor')
  const matches = (actor: Actor): boolean =>
    allowed.some((rule) => (typeof rule === 'function' ? rule(actor) : actor.subject === rule))
  return {
    kind: 'delegation',
    scopes: [],
    check(auth) {
      const actor = auth.actors[0]
      if (actor === undefined || !matches(actor)) {
        throw forbidden('The acting party is not allowed to make this request', auth)
      }
    },
  }
}
