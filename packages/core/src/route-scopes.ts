/**
 * Scopes a route names in its challenges, and requires: a client that reads `scope` from a 401
 * (RFC 6750 §3; the MCP authorization specification asks servers to send it) knows what to ask
 * the authorization server for before it ever sees a 403.
 */
import type { ChallengeParams } from './challenge.js'
import { ConfigurationError } from './errors.js'
import { requireScope, type Requirement } from './requirements.js'
import type { Scope } from './scopes.js'

/** The per-route options about scopes (part of `AuthenticateOptions`). */
export interface RouteScopeOptions {
  /**
   * Scopes this route requires, all of them (after `scopes.implies`): a verified token lacking one
   * is refused with 403 `insufficient_scope`, as `requireScope()` would, and the route's 401 and
   * 400 challenges name them in `scope`, so a client knows what to ask for.
   */
  requiredScopes?: readonly Scope[]
  /**
   * Scopes named in `scope` of this route's 401 and 400 challenges, without checking them here
   * (when a requirement after authentication checks them). `[]` names none. Default: `scopes`,
   * else the server's `challengeScopes`.
   */
  challengeScopes?: readonly Scope[]
}

/** What a route's scope options resolve to, once per route. */
export interface RouteScopes {
  /** The requirement of `requiredScopes`, checked after verification. */
  requirement: Requirement | undefined
  /** The challenge parameters of the route's authentication errors. */
  challenge: Readonly<ChallengeParams>
}

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/**
 * Validates a list of scopes for a challenge's `scope` parameter (RFC 6750 §3: scope tokens).
 * @param name the option's name, for the message.
 * @throws ConfigurationError naming the option.
 */
export function scopeTokens(name: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (
    !Array.isArray(value) ||
    value.some((scope) => typeof scope !== 'string' || !SCOPE_TOKEN.test(scope))
  ) {
    throw new ConfigurationError(
      `${name} must be an array of scopes (printable ASCII without spaces, quotes or backslashes), e.g. ['files:read']`,
    )
  }
  return Object.freeze([...new Set(value as string[])])
}

/**
 * Checks a route's `requiredScopes` and `challengeScopes` at once, so that a wrong value fails where the
 * route is declared (adapters call it in `protect()`), not on its first request.
 * @throws ConfigurationError naming the option.
 */
export function validateRouteScopes(options: RouteScopeOptions | undefined): void {
  if (options === undefined) return
  const scopes = scopeTokens('requiredScopes', options.requiredScopes)
  if (scopes !== undefined && scopes.length === 0) {
    throw new ConfigurationError(
      'requiredScopes must name at least one scope (leave it out for a route without scopes)',
    )
  }
  scopeTokens('challengeScopes', options.challengeScopes)
}

/**
 * Resolves a route's scope options against the server's challenge parameters and its default
 * `challengeScopes`.
 */
export function resolveRouteScopes(
  options: RouteScopeOptions,
  serverChallenge: Readonly<ChallengeParams>,
  serverScopes: readonly string[] | undefined,
): RouteScopes {
  validateRouteScopes(options)
  const scopes = options.requiredScopes
  const named = options.challengeScopes ?? scopes ?? serverScopes
  return {
    requirement: scopes === undefined ? undefined : requireScope(...scopes),
    challenge: challengeWithScopes(serverChallenge, named),
  }
}

/** The server's challenge parameters with `scope` naming the given scopes (none: unchanged). */
export function challengeWithScopes(
  serverChallenge: Readonly<ChallengeParams>,
  scopes: readonly string[] | undefined,
): Readonly<ChallengeParams> {
  if (scopes === undefined || scopes.length === 0) return serverChallenge
  return Object.freeze({ ...serverChallenge, scope: scopes.join(' ') })
}
