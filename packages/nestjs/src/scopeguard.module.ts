import { Inject, Module, type NestModule } from '@nestjs/common'
import { HttpAdapterHost } from '@nestjs/core'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
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
 */
@Module({
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
export class ScopeguardModule extends ScopeguardConfigurableModule implements NestModule {
  constructor(
    @Inject(SCOPEGUARD_RESOURCE_SERVER) private readonly resourceServer: ResourceServer<object>,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    super()
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
