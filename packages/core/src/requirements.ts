import { challengeParamsOf, type AuthInfo } from './auth-info.js'
import { ConfigurationError, InsufficientScopeError } from './errors.js'
import { reportRefusal } from './events.js'
import type { Scope } from './scopes.js'

/**
 * An authorization rule checked after authentication: plain data describing it, plus `check`,
 * which throws a 403 {@link InsufficientScopeError} when the token does not satisfy it. Every
 * adapter runs the same requirement objects.
 */
export interface Requirement {
  readonly kind: 'all-scopes' | 'any-scope' | 'claim' | 'authentication' | 'delegation'
  /** The scopes involved, for `all-scopes` and `any-scope`. */
  readonly scopes: readonly string[]
  /** The claim involved, for `claim`. */
  readonly claim?: string
  /** Throws when `auth` does not satisfy the requirement. */
  check(auth: AuthInfo<object>): void
}

function scopeList(name: string, scopes: readonly string[]): readonly string[] {
  if (scopes.length === 0) throw new ConfigurationError(`${name}() needs at least one scope`)
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)) {
      throw new ConfigurationError(`${name}(): ${JSON.stringify(scope)} is not a valid scope token`)
    }
  }
  return Object.freeze([...scopes])
}

/**
 * Requires every listed scope (after implications). Fails with 403 `insufficient_scope` and a
 * challenge whose `scope` lists all of them.
 */
export function requireScope(...scopes: Scope[]): Requirement {
  const required = scopeList('requireScope', scopes)
  return {
    kind: 'all-scopes',
    scopes: required,
    check(auth) {
      for (const scope of required) {
        if (!auth.effectiveScopes.has(scope)) {
          throw reportRefusal(
            auth,
            new InsufficientScopeError(required).withChallenge(challengeParamsOf(auth)),
          )
        }
      }
    },
  }
}

/**
 * Requires at least one of the listed scopes (after implications). Fails with 403
 * `insufficient_scope`; the challenge's `scope` lists the alternatives.
 */
export function requireAnyScope(...scopes: Scope[]): Requirement {
  const required = scopeList('requireAnyScope', scopes)
  return {
    kind: 'any-scope',
    scopes: required,
    check(auth) {
      for (const scope of required) if (auth.effectiveScopes.has(scope)) return
      throw reportRefusal(
        auth,
        new InsufficientScopeError(
          required,
          'The access token grants none of the scopes this request accepts',
        ).withChallenge(challengeParamsOf(auth)),
      )
    },
  }
}

/** What a claim must be: a value (contained, when the claim is an array) or a predicate. */
export type ClaimExpectation =
  | string
  | number
  | boolean
  | ((value: unknown, claims: Readonly<Record<string, unknown>>) => boolean)

/**
 * Requires a claim to have a value (or contain it, for array claims) or to satisfy a predicate.
 * The token is valid either way, so a failure is a 403 `insufficient_scope`, not a 401.
 */
export function requireClaim(name: string, expected: ClaimExpectation): Requirement {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigurationError('requireClaim() needs a claim name')
  }
  // An undefined expectation (e.g. an unset environment variable) would match every token that
  // lacks the claim, so only the documented kinds are accepted.
  if (!['string', 'number', 'boolean', 'function'].includes(typeof expected)) {
    throw new ConfigurationError(
      `requireClaim(): the expected value of ${JSON.stringify(name)} must be a string, number, boolean or predicate, got ${expected === null ? 'null' : typeof expected}`,
    )
  }
  const matches =
    typeof expected === 'function'
      ? expected
      : (value: unknown) => (Array.isArray(value) ? value.includes(expected) : value === expected)
  return {
    kind: 'claim',
    scopes: [],
    claim: name,
    check(auth) {
      const claims = auth.claims as Readonly<Record<string, unknown>>
      if (matches(claims[name], claims)) return
      throw reportRefusal(
        auth,
        new InsufficientScopeError(
          [],
          `The access token's ${name} claim does not allow this request`,
        ).withChallenge(challengeParamsOf(auth)),
      )
    },
  }
}

/**
 * Runs requirements; the first failure is thrown. Step-up requirements (`authentication`) go
 * first, as RFC 9470 §3 asks: a too-weak or too-old login is answered with 401
 * `insufficient_user_authentication` before any 403 for scopes, since the new login may well
 * bring them. The other requirements then run in their order.
 */
export function checkRequirements(
  auth: AuthInfo<object>,
  requirements: readonly Requirement[],
): void {
  for (const requirement of requirements) {
    if (requirement.kind === 'authentication') requirement.check(auth)
  }
  for (const requirement of requirements) {
    if (requirement.kind !== 'authentication') requirement.check(auth)
  }
}
