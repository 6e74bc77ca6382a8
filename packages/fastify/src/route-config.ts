import {
  ConfigurationError,
  requireAnyScope,
  requireAuthentication,
  requireScope,
  type AuthenticateOptions,
  type AuthenticationPolicy,
  type Requirement,
  type Scope,
} from '@scopeguard/core'
import { AUTHENTICATE_OPTION_KEYS, validateRouteScopes } from '@scopeguard/core/adapter'

/**
 * What a route asks of the token, declared in its `config`:
 *
 * ```ts
 * app.post('/files', { config: { scopeguard: { scopes: ['files:write'] } } }, createFile)
 * ```
 *
 * The plugin protects such a route and checks, in this order: `authentication` (step-up first, so
 * that a client lacking both re-authenticates before asking for scopes), `scopes`, `anyScope`,
 * then `requirements`. The options of `protect()` (`optional`, `query`, `body`, …, and
 * `requiredScopes` / `challengeScopes`, which name scopes in the route's 401 challenges) apply to
 * this route.
 */
export interface ScopeguardRouteConfig extends AuthenticateOptions {
  /** Every listed scope is required (403 `insufficient_scope` otherwise). */
  scopes?: readonly Scope[]
  /** At least one of the listed scopes is required. */
  anyScope?: readonly Scope[]
  /** A strong or recent enough user authentication (RFC 9470 step-up; 401 otherwise). */
  authentication?: AuthenticationPolicy
  /**
   * Further requirements, checked last in order: this package's `requireClaim(…)`,
   * `refuseDelegation()`, `requireActor(…)` … or any core `Requirement`.
   */
  requirements?: readonly Requirement[]
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * scopeguard's requirements for this route, read by the scopeguard plugin when the route is
     * declared; `false` leaves a route of a `global` context unprotected.
     */
    scopeguard?: ScopeguardRouteConfig | false
  }
}

/** A route's guard, compiled once when the route is declared. */
export interface CompiledRoute {
  options: AuthenticateOptions
  rules: readonly Requirement[]
}

const EXTRACTION_KEYS = AUTHENTICATE_OPTION_KEYS
const KEYS: ReadonlySet<string> = new Set<string>([
  ...EXTRACTION_KEYS,
  'scopes',
  'anyScope',
  'authentication',
  'requirements',
])

/**
 * Validates a route's `config.scopeguard` and builds its requirements, so that a mistake fails
 * while the app starts, naming the route (`where`) and the key.
 * @throws ConfigurationError for an unknown key, a value of the wrong type or an invalid scope.
 */
export function compileRouteConfig(config: ScopeguardRouteConfig, where: string): CompiledRoute {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigurationError(`${where}: config.scopeguard must be an object or false`)
  }
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) {
      throw new ConfigurationError(
        `${where}: config.scopeguard.${key} is not an option (use ${[...KEYS].join(', ')})`,
      )
    }
  }
  const options: AuthenticateOptions = {}
  for (const key of EXTRACTION_KEYS) {
    if (config[key] !== undefined) Object.assign(options, { [key]: config[key] })
  }
  const rules: Requirement[] = []
  try {
    validateRouteScopes(options)
    if (config.authentication !== undefined) {
      rules.push(requireAuthentication(config.authentication))
    }
    if (config.scopes !== undefined) rules.push(requireScope(...scopeList(config.scopes, 'scopes')))
    if (config.anyScope !== undefined) {
      rules.push(requireAnyScope(...scopeList(config.anyScope, 'anyScope')))
    }
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    throw new ConfigurationError(`${where}: ${error.message.replace(/^scopeguard: /, '')}`, {
      cause: error,
    })
  }
  if (config.requirements !== undefined) {
    if (!Array.isArray(config.requirements)) {
      throw new ConfigurationError(`${where}: config.scopeguard.requirements must be an array`)
    }
    for (const rule of config.requirements as readonly unknown[]) {
      if (typeof (rule as Requirement | undefined)?.check !== 'function') {
        throw new ConfigurationError(
          `${where}: config.scopeguard.requirements holds something that is not a requirement (use requireClaim(…), refuseDelegation() …)`,
        )
      }
      rules.push(rule as Requirement)
    }
  }
  return { options, rules }
}

function scopeList(scopes: readonly Scope[], key: string): Scope[] {
  if (!Array.isArray(scopes)) {
    throw new ConfigurationError(`config.scopeguard.${key} must be an array of scopes`)
  }
  return [...scopes]
}
