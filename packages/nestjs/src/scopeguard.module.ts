import { Module } from '@nestjs/common'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
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
 * guard for every route.
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
export class ScopeguardModule extends ScopeguardConfigurableModule {}
