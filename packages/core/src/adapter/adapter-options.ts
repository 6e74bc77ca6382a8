import { ConfigurationError } from '../errors.js'
import type { ResourceServerOptions } from '../options.js'
import { createResourceServer, type ResourceServer } from '../resource-server.js'

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
