import { Module, type DynamicModule } from '@nestjs/common'
import { ScopeguardModule } from '@scopeguard/nestjs'
import type { ExampleConfig } from '@scopeguard/example-config'
import { AccountController } from './account.controller.js'
import { FilesController } from './files.controller.js'
import { HealthController } from './health.controller.js'
import { MeController } from './me.controller.js'

/**
 * The example API: the routes of the examples contract, every one guarded unless `@Public()`.
 * With `resourceMetadata` in the configuration, ScopeguardModule also serves
 * `/.well-known/oauth-protected-resource` (RFC 9728).
 */
@Module({})
export class AppModule {
  /** The module for a configuration read from the environment. */
  static forConfig(config: ExampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ScopeguardModule.forRoot({ ...config.resourceServer, global: true })],
      controllers: [HealthController, FilesController, MeController, AccountController],
    }
  }
}
