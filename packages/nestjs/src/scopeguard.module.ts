import { Inject, Logger, Module, type NestModule, type OnModuleInit } from '@nestjs/common'
import { DiscoveryModule, DiscoveryService, HttpAdapterHost, ModuleRef } from '@nestjs/core'
import { ConfigurationError, createResourceServer, type ResourceServer } from '@scopeguard/core'
import { auditRoutes } from './internal/route-audit.js'
import type { ClassRef } from './internal/route-metadata.js'
import { resourceMetadataMiddleware } from './resource-metadata.middleware.js'
import { SCOPEGUARD_MODULE_OPTIONS, SCOPEGUARD_RESOURCE_SERVER } from './scopeguard.constants.js'
import { ScopeguardGuard } from './scopeguard.guard.js'
import {
  ScopeguardConfigurableModule,
  type ScopeguardModuleOptions,
} from './scopeguard.module-definition.js'

function createModuleResourceServer(options: ScopeguardModuleOptions): ResourceServer {
  const { skipContextTypes: _nestOnly, ...resourceServerOptions } = options
  return createResourceServer(resourceServerOptions)
}

/**
 * Provides the core resource server (`SCOPEGUARD_RESOURCE_SERVER`) and `ScopeguardGuard` to the
 * whole application. Import it once, in the root module:
 *
 * ```ts
 * ScopeguardModule.forRoot({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * ScopeguardModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ issuer: config.getOrThrow('OAUTH_ISSUER'), audience: … }),
 * })
 * ```
 *
 * Options are validated when the resource server is created, at startup: a mistake fails the
 * bootstrap with a `ConfigurationError` naming what to change. `global: true` also registers the
 * guard for every route. With the `resourceMetadata` option, the module also serves the protected
 * resource metadata document (RFC 9728) at its well-known path, without a token, on Express and
 * Fastify.
 *
 * At application init it checks every controller and resolver: a route that `@Public()` exempts
 * from the guards while it carries requirements fails the bootstrap with a `ConfigurationError`
 * naming the controller and handler; a `@ResolveField()` with requirements while GraphQL's field
 * guards are off is logged as a warning.
 */
/** The token under which `@nestjs/graphql` provides `GraphQLModule`'s options. */
const GRAPHQL_MODULE_OPTIONS = 'GqlModuleOptions'

@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: SCOPEGUARD_RESOURCE_SERVER,
      useFactory: createModuleResourceServer,
      inject: [SCOPEGUARD_MODULE_OPTIONS],
    },
    ScopeguardGuard,
  ],
  exports: [SCOPEGUARD_RESOURCE_SERVER, SCOPEGUARD_MODULE_OPTIONS, ScopeguardGuard],
})
export class ScopeguardModule
  extends ScopeguardConfigurableModule
  implements NestModule, OnModuleInit
{
  constructor(
    @Inject(SCOPEGUARD_RESOURCE_SERVER) private readonly resourceServer: ResourceServer<object>,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {
    super()
  }

  /**
   * Refuses routes whose requirements `@Public()` would leave unchecked, and warns about guarded
   * GraphQL field resolvers while field guards are off (see `auditRoutes`).
   * @throws ConfigurationError listing every such route as `Controller.handler`.
   */
  onModuleInit(): void {
    const classes = [...this.discovery.getControllers(), ...this.discovery.getProviders()]
      .map((wrapper) => wrapper.metatype as unknown)
      .filter((metatype): metatype is ClassRef => typeof metatype === 'function')
    const { errors, warnings } = auditRoutes(classes, this.graphqlFieldGuards())
    const logger = new Logger('ScopeguardModule')
    for (const warning of warnings) logger.warn(`scopeguard: ${warning}`)
    if (errors.length > 0) throw new ConfigurationError(errors.join('; '))
  }

  /** Whether GraphQL runs guards on field resolvers (`fieldResolverEnhancers: ['guards']`). */
  private graphqlFieldGuards(): boolean {
    let options: { fieldResolverEnhancers?: readonly string[] } | undefined
    try {
      options = this.moduleRef.get(GRAPHQL_MODULE_OPTIONS, { strict: false })
    } catch {
      return false // no GraphQLModule
    }
    return options?.fieldResolverEnhancers?.includes('guards') === true
  }

  /**
   * Mounts the metadata route when the resource server has `resourceMetadata`: on the HTTP
   * adapter itself (Express app, or Fastify's middleware layer), so that it stays at the host
   * root whatever `setGlobalPrefix()` says, ahead of Nest's routes and its 404 handler.
   */
  configure(): void {
    const metadata = this.resourceServer.resourceMetadata
    const adapter = this.adapterHost.httpAdapter as
      { use?: (...args: unknown[]) => unknown } | undefined
    if (metadata === undefined || typeof adapter?.use !== 'function') return
    adapter.use(resourceMetadataMiddleware(metadata))
  }
}
