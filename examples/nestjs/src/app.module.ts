import { Module, type DynamicModule } from '@nestjs/common'
import { ScopeguardModule } from '@scopeguard/nestjs'
import type { ExampleConfig } from './config.js'
import { FilesController } from './files.controller.js'
import { HealthController } from './health.controller.js'
import { MeController } from './me.controller.js'

/** The example API: the routes of the examples contract, every one guarded unless `@Public()`. */
@Module({})
export class AppModule {
  /** The module for a configuration read from the environment. */
  static forConfig(config: ExampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ScopeguardModule.forRoot({
          issuer: config.issuer,
          audience: config.audience,
          ...(config.jwksUri ? { jwksUri: config.jwksUri } : {}),
          global: true,
        }),
      ],
      controllers: [HealthController, FilesController, MeController],
    }
  }
}
