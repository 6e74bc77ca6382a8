import {
  ConfigurationError,
  type ResourceServer,
  type ResourceServerOptions,
} from '@scopeguard/core'
import { errorsOption, resourceServerOf } from '@scopeguard/core/adapter'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { authenticate, checkRequirements, ERROR_MODES, refuse, type ErrorMode } from './guard.js'
import { declareMetadataRoutes } from './metadata.js'
import {
  compileRouteConfig,
  type CompiledRoute,
  type ScopeguardRouteConfig,
} from './route-config.js'

/** The hooks the plugin can protect routes in (see {@link ScopeguardOptions.hook}). */
export type ProtectHookName = 'onRequest' | 'preValidation' | 'preHandler'

/** Options of the {@link scopeguard} plugin. */
export interface ScopeguardOptions {
  /** The resource server, or options to create one. */
  server: ResourceServer<object> | ResourceServerOptions
  /**
   * Protect every route of the context the plugin is registered in and of its children, and the
   * context's not-found handler (as `@fastify/rate-limit` does with `global`);
   * `config: { scopeguard: false }` leaves a route out. Otherwise only routes with
   * `config.scopeguard` are protected.
   * @default false
   */
  global?: boolean
  /**
   * The hook the plugin authenticates in. `preValidation` sees the parsed body (a form
   * `access_token` next to the header is refused with 400, RFC 6750 §2, as in every scopeguard
   * adapter) and still answers an unauthenticated client before any schema validation;
   * `onRequest` refuses before the body is read (form tokens are then not seen).
   * @default 'preValidation'
   */
  hook?: ProtectHookName
  /**
   * `respond` sends the RFC 6750 answer through the reply; `throw` throws it to your
   * `setErrorHandler` (see `sendError()`).
   * @default 'respond'
   */
  errors?: ErrorMode
  /**
   * Serve the server's protected resource metadata (RFC 9728) as Fastify routes. Needs the
   * resource server's `resourceMetadata` option and a context without a prefix.
   * @default true when the server has `resourceMetadata`
   */
  resourceMetadata?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The resource server of the scopeguard plugin registered in this context. */
    scopeguard: ResourceServer<object>
  }
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'server',
  'global',
  'hook',
  'errors',
  'resourceMetadata',
])
const HOOKS: ReadonlySet<string> = new Set<ProtectHookName>([
  'onRequest',
  'preValidation',
  'preHandler',
])

function validate(options: ScopeguardOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('the scopeguard plugin needs options ({ server })')
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new ConfigurationError(
        `the scopeguard plugin has no option ${key} (use ${[...OPTION_KEYS].join(', ')})`,
      )
    }
  }
  if (typeof options.server !== 'object' || options.server === null) {
    throw new ConfigurationError(
      'the scopeguard plugin option server is required: a resource server or its options',
    )
  }
  if (options.global !== undefined && typeof options.global !== 'boolean') {
    throw new ConfigurationError('the scopeguard plugin option global must be a boolean')
  }
  if (options.hook !== undefined && !HOOKS.has(options.hook)) {
    throw new ConfigurationError(
      `the scopeguard plugin option hook must be one of ${[...HOOKS].join(', ')}`,
    )
  }
  if (
    options.errors !== undefined &&
    !(ERROR_MODES as readonly unknown[]).includes(options.errors)
  ) {
    throw new ConfigurationError("the scopeguard plugin option errors must be 'respond' or 'throw'")
  }
  if (options.resourceMetadata !== undefined && typeof options.resourceMetadata !== 'boolean') {
    throw new ConfigurationError('the scopeguard plugin option resourceMetadata must be a boolean')
  }
}

async function scopeguardPlugin(
  fastify: FastifyInstance,
  options: ScopeguardOptions,
): Promise<void> {
  validate(options)
  const rs = resourceServerOf(options.server)
  const mode = errorsOption('scopeguard', options.errors, ERROR_MODES)
  const global = options.global ?? false

  if (Object.hasOwn(fastify, 'scopeguard')) {
    throw new ConfigurationError(
      'the scopeguard plugin is already registered in this context: register another resource server in its own encapsulated context',
    )
  }
  fastify.decorate('scopeguard', rs)
  if (!fastify.hasRequestDecorator('auth')) fastify.decorateRequest('auth', undefined)

  const metadata = options.resourceMetadata ?? rs.resourceMetadata !== undefined
  if (metadata) declareMetadataRoutes(fastify, [rs], 'the scopeguard plugin (resourceMetadata)')

  // Each route's config.scopeguard, compiled once: when the route is declared after the plugin
  // (so that a mistake fails at startup, naming the route), else on its first request.
  const compiled = new WeakMap<ScopeguardRouteConfig, CompiledRoute>()
  const everyRoute: CompiledRoute = { options: {}, rules: [] }
  const compile = (config: ScopeguardRouteConfig, where: string): CompiledRoute => {
    let route = compiled.get(config)
    if (route === undefined) {
      route = compileRouteConfig(config, where)
      compiled.set(config, route)
    }
    return route
  }
  fastify.addHook('onRoute', (route) => {
    const config = route.config?.scopeguard
    if (config !== undefined && config !== false) {
      compile(config, `route ${String(route.method)} ${route.url}`)
    }
  })

  // A hook of the context rather than of each route: Fastify applies it to every route of the
  // context, also those declared before the plugin finished loading (which onRoute misses).
  fastify.addHook(
    options.hook ?? 'preValidation',
    async function scopeguardRoute(this: FastifyInstance, request, reply) {
      // A nested registration of the plugin (another resource server) owns its routes.
      if (this.scopeguard !== rs) return undefined
      const config = request.routeOptions.config.scopeguard
      if (config === false || (config === undefined && !global)) return undefined
      try {
        const { options: authenticateOptions, rules } =
          config === undefined ? everyRoute : compile(config, `route ${request.routeOptions.url}`)
        await authenticate(rs, request, reply, authenticateOptions)
        if (rules.length > 0) checkRequirements(request, rules)
      } catch (error) {
        return refuse(reply, error, mode)
      }
      return undefined
    },
  )
}

/**
 * The scopeguard Fastify plugin. It decorates `request.auth` and `fastify.scopeguard` (the
 * resource server), serves the server's protected resource metadata (RFC 9728) as routes when
 * configured, and protects the routes that declare requirements in their `config` — or every
 * route of the context with `global: true`. It is not encapsulated (`fastify-plugin`): it applies
 * to the context you register it in, so register it where the routes it protects are declared.
 *
 * ```ts
 * await app.register(scopeguard, { server: rs })
 * app.get('/files', { config: { scopeguard: { scopes: ['files:read'] } } }, listFiles)
 * ```
 * @throws ConfigurationError (when registered) for a wrong option, naming it.
 */
export const scopeguard: FastifyPluginAsync<ScopeguardOptions> = fp(scopeguardPlugin, {
  fastify: '5.x',
  name: '@scopeguard/fastify',
})
