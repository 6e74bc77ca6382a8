import 'reflect-metadata'
import type { Server } from 'node:http'
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { Auth, ScopeguardModule, type AuthInfo } from '@scopeguard/nestjs'
import type { ContenderConfig } from './contenders.js'

@Controller('files')
class FilesController {
  @Get()
  list(@Auth() auth: AuthInfo): { sub: string | undefined } {
    return { sub: auth.subject }
  }
}

@Module({})
class BenchModule {
  static forConfig(config: ContenderConfig): DynamicModule {
    return {
      module: BenchModule,
      imports: [
        ScopeguardModule.forRoot({
          issuer: config.issuer,
          audience: config.audience,
          jwksUri: config.jwksUri,
          algorithms: [config.alg],
          logger: false,
          ...(config.cache === undefined ? {} : { cache: config.cache }),
          global: true,
        }),
      ],
      controllers: [FilesController],
    }
  }
}

/** The NestJS contender: a global ScopeguardGuard in front of one controller (Express platform). */
export async function startNest(config: ContenderConfig): Promise<Server> {
  const app = await NestFactory.create(BenchModule.forConfig(config), { logger: false })
  const express = app.getHttpAdapter().getInstance() as { disable(name: string): void }
  express.disable('x-powered-by')
  express.disable('etag')
  await app.listen(0, '127.0.0.1')
  return app.getHttpServer() as Server
}
