import { ConfigurationError } from '../errors.js'
import type { ResourceServerOptions } from '../options.js'
import {
  createResourceServer,
  type AuthenticateOptions,
  type ResourceServer,
} from '../resource-server.js'

const AUTHENTICATE_KEYS = {
  optional: true,
  body: true,
  query: true,
  legacyHeader: true,
  maxTokenLength: true,
  requiredScopes: true,
  challengeScopes: true,
} as const satisfies Record<keyof AuthenticateOptions, true>

/**
 * The names of the per-route options of `rs.authenticate()`, for adapters that accept them among
 * their own (a route config, a strategy's options). Derived from the type, so it cannot drift.
 */
export const AUTHENTICATE_OPTION_KEYS: readonly (keyof AuthenticateOptions)[] = Object.freeze(
  Object.keys(AUTHENTICATE_KEYS) as (keyof AuthenticateOptions)[],
)

/**
 * The resource server an adapter function was given, or one created from the options given
 * instead (so `protect({ issuer, audience })` works).
 * @throws ConfigurationError when the options are wrong.
 */
export function resourceServerOf<Claims extends object>(
  server: ResourceServer<Claims> | ResourceServerOptions,
): ResourceServer<Claims> {
  if (typeof server === 'object' && server !== null && 'authenticate' in server) return server
  return createResourceServer(server as ResourceServerOptions) as ResourceServer<Claims>
}

/**
 * Validates an adapter's `errors` option, e.g. `('protect', options.errors, ['respond', 'next'])`:
 * the first mode is the default.
 * @throws ConfigurationError naming the function and the allowed values.
 */
export function errorsOption<const Modes extends readonly [string, ...string[]]>(
  caller: string,
  value: unknown,
  modes: Modes,
): Modes[number] {
  if (value === undefined) return modes[0]
  if (typeof value !== 'string' || !modes.includes(value)) {
    const allowed = modes.map((mode) => `'${mode}'`).join(' or ')
    throw new ConfigurationError(`${caller}() option errors must be ${allowed}`)
  }
  return value
}
