import {
  ConfigurationError,
  createResourceServer,
  type AuthenticateOptions,
  type ResourceServer,
  type ResourceServerOptions,
} from '@scopeguard/core'
import { AUTHENTICATE_OPTION_KEYS, validateRouteScopes } from '@scopeguard/core/adapter'

/** Options of the strategy itself: its name, the verify form and per-strategy route options. */
export interface StrategyOptions extends AuthenticateOptions {
  /**
   * The name to use in `passport.authenticate(name)`. Register several strategies under different
   * names for different route options (e.g. one with `query: 'ssoToken'`).
   * @default 'scopeguard'
   */
  name?: string
  /** Call `verify(req, auth, done)` instead of `verify(auth, done)`. @default false */
  passReqToCallback?: boolean
}

/**
 * Options of `ScopeguardStrategy`: strategy options plus either the resource server options
 * (`issuer`, `audience`, …) or a `resourceServer` shared with other routes.
 */
export type ScopeguardStrategyOptions =
  | (StrategyOptions & ResourceServerOptions)
  | (StrategyOptions & {
      /** A resource server created with `createResourceServer()`, shared across strategies. */
      resourceServer: ResourceServer<object>
    })

/** What the strategy keeps from its options. */
export interface ResolvedStrategyOptions {
  name: string
  passReqToCallback: boolean
  server: ResourceServer<object>
  routeOptions: AuthenticateOptions
}

const STRATEGY_KEYS: ReadonlySet<string> = new Set([
  'name',
  'passReqToCallback',
  ...AUTHENTICATE_OPTION_KEYS,
])

function isResourceServer(value: object): value is ResourceServer<object> {
  return typeof (value as { authenticate?: unknown }).authenticate === 'function'
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ConfigurationError(`ScopeguardStrategy: ${message}`)
}

function optionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean'
}

/**
 * Splits and validates the strategy's options once, at construction.
 * @throws ConfigurationError saying what to change.
 */
export function resolveStrategyOptions(
  options: ResourceServer<object> | ScopeguardStrategyOptions,
): ResolvedStrategyOptions {
  check(
    typeof options === 'object' && options !== null,
    'needs options: a resource server, resource server options or { resourceServer }',
  )
  if (isResourceServer(options)) {
    return { name: 'scopeguard', passReqToCallback: false, server: options, routeOptions: {} }
  }
  const strategy: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) {
    if (STRATEGY_KEYS.has(key)) strategy[key] = value
    else rest[key] = value
  }
  const { name = 'scopeguard', passReqToCallback = false, ...routeOptions } = strategy
  check(typeof name === 'string' && name !== '', 'name must be a non-empty string')
  check(optionalBoolean(passReqToCallback), 'passReqToCallback must be a boolean')
  for (const key of ['optional', 'body', 'legacyHeader']) {
    check(optionalBoolean(routeOptions[key]), `${key} must be a boolean`)
  }
  const query = routeOptions['query']
  check(
    optionalBoolean(query) || (typeof query === 'string' && /^[\w.~-]+$/.test(query)),
    'query must be a boolean or a parameter name such as "access_token"',
  )
  const maxTokenLength = routeOptions['maxTokenLength']
  check(
    maxTokenLength === undefined ||
      (Number.isInteger(maxTokenLength) && Number(maxTokenLength) > 0),
    'maxTokenLength must be a positive integer',
  )
  try {
    validateRouteScopes(routeOptions as AuthenticateOptions)
  } catch (error) {
    throw new ConfigurationError(
      `ScopeguardStrategy: ${(error as Error).message.replace(/^scopeguard: /, '')}`,
    )
  }
  let server: ResourceServer<object>
  if ('resourceServer' in rest) {
    const { resourceServer, ...unknown } = rest
    check(
      typeof resourceServer === 'object' &&
        resourceServer !== null &&
        isResourceServer(resourceServer),
      'resourceServer must be created with createResourceServer()',
    )
    const [extra] = Object.keys(unknown)
    check(
      extra === undefined,
      `unknown option "${extra}" next to resourceServer (resource server options belong in createResourceServer())`,
    )
    server = resourceServer as ResourceServer<object>
  } else {
    server = createResourceServer(rest as unknown as ResourceServerOptions)
  }
  return {
    name: name as string,
    passReqToCallback: passReqToCallback as boolean,
    server,
    routeOptions: routeOptions as AuthenticateOptions,
  }
}
