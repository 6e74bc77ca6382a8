import { InvalidTokenError } from './errors.js'

/**
 * Declare your API's scopes once to have every `requireScope(...)` call checked by the compiler:
 *
 * ```ts
 * declare module '@scopeguard/core' {
 *   interface Register {
 *     scopes: 'files:read' | 'files:write' | 'account:read'
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The scope names this program uses: from {@link Register}, else any string. */
export type Scope = Register extends { scopes: infer S extends string } ? S : string

/** Where scopes are read from in a token's claims. */
export interface ScopeOptions {
  /**
   * Claims holding scopes: space-delimited strings or arrays of strings.
   * @default ['scope', 'scp', 'permissions']
   */
  claims?: readonly string[]
  /** Compute the granted scopes yourself instead (replaces `claims`). */
  map?: (claims: Readonly<Record<string, unknown>>) => Iterable<string>
  /**
   * Scopes that grant others, applied transitively when checking requirements; e.g.
   * `{ 'files:write': ['files:read'], base: ['files'] }`.
   */
  implies?: Readonly<Record<string, readonly string[]>>
}

/** Reads granted scopes from claims and applies implications. Built once per resource server. */
export interface ScopeReader {
  /** The granted scopes, deduplicated, in token order. */
  granted(claims: Readonly<Record<string, unknown>>): string[]
  /** The granted scopes plus everything they imply. */
  effective(granted: readonly string[]): ReadonlySet<string>
}

function closure(implies: Readonly<Record<string, readonly string[]>>): Map<string, string[]> {
  const result = new Map<string, string[]>()
  for (const scope of Object.keys(implies)) {
    const seen = new Set<string>()
    const stack = [...(implies[scope] ?? [])]
    while (stack.length > 0) {
      const next = stack.pop() as string
      if (seen.has(next) || next === scope) continue
      seen.add(next)
      stack.push(...(Object.hasOwn(implies, next) ? (implies[next] ?? []) : []))
    }
    result.set(scope, [...seen])
  }
  return result
}

function malformed(claim: string): InvalidTokenError {
  return new InvalidTokenError(`The ${claim} claim of the access token is malformed`, {
    reason: 'invalid_claim',
  })
}

/** Builds the {@link ScopeReader} for a resource server's scope options. */
export function createScopeReader(options: ScopeOptions = {}): ScopeReader {
  const claimNames = options.claims ?? ['scope', 'scp', 'permissions']
  const implied = closure(options.implies ?? {})
  const map = options.map
  return {
    granted(claims) {
      const out = new Set<string>()
      if (map !== undefined) {
        for (const scope of map(claims))
          if (typeof scope === 'string' && scope !== '') out.add(scope)
        return [...out]
      }
      for (const name of claimNames) {
        const value = claims[name]
        if (value === undefined) continue
        if (typeof value === 'string') {
          for (const scope of value.split(' ')) if (scope !== '') out.add(scope)
        } else if (Array.isArray(value)) {
          for (const scope of value) {
            if (typeof scope !== 'string') throw malformed(name)
            if (scope !== '') out.add(scope)
          }
        } else {
          throw malformed(name)
        }
      }
      return [...out]
    },
    effective(granted) {
      if (implied.size === 0) return new Set(granted)
      const out = new Set(granted)
      for (const scope of granted) for (const extra of implied.get(scope) ?? []) out.add(extra)
      return out
    },
  }
}
