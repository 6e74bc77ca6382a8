import 'reflect-metadata'
import type { Server } from 'node:http'
import {
  Controller,
  Get,
  Injectable,
  Module,
  createParamDecorator,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
} from '@nestjs/common'
import { APP_GUARD, NestFactory } from '@nestjs/core'
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

/** The no-op guard of the NestJS floor: sets `request.auth` as an auth guard would, and lets it through. */
@Injectable()
class NoopGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    ;(context.switchToHttp().getRequest<object>() as { auth?: unknown }).auth = {
      subject: 'anonymous',
    }
    return true
  }
}

/** Reads `request.auth` as `@Auth()` does: a custom parameter decorator. */
const FloorAuth = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown =>
    (context.switchToHttp().getRequest<object>() as { auth?: unknown }).auth,
)

@Controller('files')
class BareFilesController {
  @Get()
  list(): { sub: string } {
    return { sub: 'anonymous' }
  }
}

@Controller('files')
class GuardedFilesController {
  @Get()
  list(@FloorAuth() auth: { subject: string }): { sub: string } {
    return { sub: auth.subject }
  }
}

@Module({ controllers: [BareFilesController] })
class BareModule {}

@Module({
  controllers: [GuardedFilesController],
  providers: [{ provide: APP_GUARD, useClass: NoopGuard }],
})
class GuardedModule {}

/** The NestJS floors: no guard, or one global no-op guard and a parameter decorator. */
export async function startBareNest(guard: boolean): Promise<Server> {
  const app = await NestFactory.create(guard ? GuardedModule : BareModule, { logger: false })
  const express = app.getHttpAdapter().getInstance() as { disable(name: string): void }
  express.disable('x-powered-by')
  express.disable('etag')
  await app.listen(0, '127.0.0.1')
  return app.getHttpServer() as Server
}
