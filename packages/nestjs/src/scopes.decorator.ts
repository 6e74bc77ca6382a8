import {
  requireAnyScope,
  requireClaim,
  requireScope,
  type ClaimExpectation,
  type RequireClaimOptions,
  type Scope,
} from '@scopeguard/core'
import { appendMetadata } from './internal/append-metadata.js'
import { ANY_SCOPE_METADATA, CLAIMS_METADATA, SCOPES_METADATA } from './scopeguard.constants.js'

/**
 * Requires every listed scope. On a controller and on a handler, and when repeated, the scopes
 * **merge**: the route requires all of them (`@Scopes('files')` on the class plus
 * `@Scopes('files:write')` on the handler requires both). A token without them gets 403
 * `insufficient_scope` with `scope="…"` listing all required scopes.
 *
 * @throws ConfigurationError at class definition when a scope is missing or malformed.
 */
export function Scopes(...scopes: Scope[]): ClassDecorator & MethodDecorator {
  return appendMetadata(SCOPES_METADATA, requireScope(...scopes).scopes)
}

/**
 * Requires at least one of the listed scopes. Each `@AnyScope()` (class or handler) is one more
 * condition: `@AnyScope('a', 'b')` on the class and `@AnyScope('c', 'd')` on the handler require
 * (a or b) and (c or d).
 *
 * @throws ConfigurationError at class definition when a scope is missing or malformed.
 */
export function AnyScope(...scopes: Scope[]): ClassDecorator & MethodDecorator {
  return appendMetadata(ANY_SCOPE_METADATA, [requireAnyScope(...scopes).scopes])
}

/**
 * Requires a claim to have a value (or contain it, for array claims), to include values
 * (`{ includes: ['admin'] }`, over an array or a space-separated string claim), or to satisfy a
 * predicate `(value, claims) => boolean`. A failure is a 403 `insufficient_scope`: the token is
 * valid, the client is not allowed; `options.description` replaces its generic description.
 * Merges like `@Scopes()`.
 */
export function RequireClaim(
  name: string,
  expected: ClaimExpectation,
  options?: RequireClaimOptions,
): ClassDecorator & MethodDecorator {
  return appendMetadata(CLAIMS_METADATA, [requireClaim(name, expected, options)])
}
