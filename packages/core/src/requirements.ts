import { refusal, type AuthInfo } from './auth-info.js'
import { sanitizeChallengeValue } from './challenge.js'
import { ConfigurationError, InsufficientScopeError } from './errors.js'
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
          throw refusal(
            auth,
            (challenge) => new InsufficientScopeError(required, undefined, { challenge }),
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
      throw refusal(
        auth,
        (challenge) =>
          new InsufficientScopeError(
            required,
            'The access token grants none of the scopes this request accepts',
            { challenge },
          ),
      )
    },
  }
}

/**
 * What a claim must be: a value (contained, when the claim is an array), `{ includes }` (every
 * listed value present in an array claim or a space-separated string claim, like `scope`), or a
 * predicate.
 */
export type ClaimExpectation =
  | string
  | number
  | boolean
  | { readonly includes: string | readonly string[] }
  | ((value: unknown, claims: Readonly<Record<string, unknown>>) => boolean)

/** Options of {@link requireClaim}. */
export interface RequireClaimOptions {
  /**
   * The `error_description` sent when the claim does not match, instead of the generic one. It is
   * sent to the client: keep it free of secrets. Characters not allowed in a challenge are
   * replaced or dropped (as for every description), once, here.
   */
  description?: string
}

/** Values of `{ includes }`: non-empty strings without whitespace (a claim string splits on it). */
function includedValues(name: string, includes: unknown): readonly string[] {
  const values = typeof includes === 'string' ? [includes] : includes
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some((v) => typeof v !== 'string' || !/^\S+$/.test(v))
  ) {
    throw new ConfigurationError(
      `requireClaim(): includes for ${JSON.stringify(name)} must be a value or an array of values without spaces (one value per array element)`,
    )
  }
  return Object.freeze([...(values as string[])])
}

/** Whether a claim (an array, or a space-separated string) holds every value. */
function includesAll(value: unknown, wanted: readonly string[]): boolean {
  const held = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(' ').filter((part) => part !== '')
      : undefined
  return held !== undefined && wanted.every((v) => held.includes(v))
}

function matcher(
  name: string,
  expected: ClaimExpectation,
): (value: unknown, claims: Readonly<Record<string, unknown>>) => boolean {
  if (typeof expected === 'function') return expected
  if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
    const keys = Object.keys(expected)
    if (keys.length !== 1 || keys[0] !== 'includes') {
      throw new ConfigurationError(
        `requireClaim(): the expectation object for ${JSON.stringify(name)} takes only includes, e.g. { includes: ['admin'] }`,
      )
    }
    const wanted = includedValues(name, expected.includes)
    return (value) => includesAll(value, wanted)
  }
  // An undefined expectation (e.g. an unset environment variable) would match every token that
  // lacks the claim, so only the documented kinds are accepted.
  if (!['string', 'number', 'boolean'].includes(typeof expected)) {
    throw new ConfigurationError(
      `requireClaim(): the expected value of ${JSON.stringify(name)} must be a string, number, boolean, { includes } or predicate, got ${expected === null ? 'null' : Array.isArray(expected) ? 'an array (use { includes: [...] })' : typeof expected}`,
    )
  }
  return (value) => (Array.isArray(value) ? value.includes(expected) : value === expected)
}

function claimDescription(name: string, options: RequireClaimOptions | undefined): string {
  if (options === undefined) return `The access token's ${name} claim does not allow this request`
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('requireClaim(): options must be an object, e.g. { description }')
  }
  for (const key of Object.keys(options)) {
    if (key !== 'description') {
      throw new ConfigurationError(`requireClaim(): unknown option ${JSON.stringify(key)}`)
    }
  }
  const { description } = options
  if (description === undefined) return claimDescription(name, undefined)
  const clean = typeof description === 'string' ? sanitizeChallengeValue(description).trim() : ''
  if (clean === '') {
    throw new ConfigurationError(
      'requireClaim(): description must be a non-empty string of printable ASCII characters',
    )
  }
  return clean
}

/**
 * Requires a claim to have a value (or contain it, for array claims), to include values
 * (`{ includes }`, over an array or a space-separated string), or to satisfy a predicate. The
 * token is valid either way, so a failure is a 403 `insufficient_scope`, not a 401, with
 * `options.description` as its description when given.
 *
 * @example
 * ```ts
 * requireClaim('tenant', 'acme')
 * requireClaim('roles', { includes: ['admin', 'billing'] }, { description: 'Billing admins only' })
 * ```
 */
export function requireClaim(
  name: string,
  expected: ClaimExpectation,
  options?: RequireClaimOptions,
): Requirement {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigurationError('requireClaim() needs a claim name')
  }
  const matches = matcher(name, expected)
  const description = claimDescription(name, options)
  return {
    kind: 'claim',
    scopes: [],
    claim: name,
    check(auth) {
      const claims = auth.claims as Readonly<Record<string, unknown>>
      if (matches(claims[name], claims)) return
      throw refusal(auth, (challenge) => new InsufficientScopeError([], description, { challenge }))
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
