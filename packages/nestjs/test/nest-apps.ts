// The Nest applications under test, written once and run on Nest 12 (this package) and Nest 11
// (tests/nestjs-11, which resolves @nestjs/* to its own copies), on Express and on Fastify.
import type { AddressInfo } from 'node:net'
import {
  Controller,
  Get,
  Inject,
  Module,
  Post,
  UseFilters,
  UseGuards,
  type ArgumentsHost,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common'
import { APP_FILTER, BaseExceptionFilter, NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { requireClaim } from '@scopeguard/core'
import {
  AnyScope,
  Auth,
  OptionalAuth,
  Public,
  RequireClaim,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardExceptionFilter,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type AuthInfo,
  type ResourceServer,
  type ScopeguardModuleOptions,
} from '../src/index.js'

/** The two HTTP platforms every case runs on. */
export const PLATFORMS = ['express', 'fastify'] as const
export type Platform = (typeof PLATFORMS)[number]

@Controller()
class HealthController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' }
  }
}

@Controller('files')
class FilesController {
  @Get()
  @Scopes('files:read')
  list(@Auth() auth: AuthInfo): { sub: string | undefined; scopes: readonly string[] } {
    return { sub: auth.subject, scopes: auth.scopes }
  }

  @Post()
  @Scopes('files:write')
  create(): { created: boolean } {
    return { created: true }
  }
}

@Controller('merged')
@Scopes('files')
class MergedController {
  @Get()
  @Scopes('files:write')
  write(): { ok: boolean } {
    return { ok: true }
  }

  @Get('class-only')
  classOnly(): { ok: boolean } {
    return { ok: true }
  }
}

@Controller()
class RoutesController {
  constructor(@Inject(SCOPEGUARD_RESOURCE_SERVER) private readonly rs: ResourceServer) {}

  @Get('any')
  @AnyScope('files:read', 'account:read')
  any(): { ok: boolean } {
    return { ok: true }
  }

  @Get('acme')
  @RequireClaim('tenant', 'acme')
  acme(): { ok: boolean } {
    return { ok: true }
  }

  @Get('admins')
  @RequireClaim('roles', { includes: 'admin' }, { description: 'Administrators only' })
  admins(): { ok: boolean } {
    return { ok: true }
  }

  @Get('twice')
  @Scopes('files:read')
  @Scopes('files:write')
  twice(): { ok: boolean } {
    return { ok: true }
  }

  @Get('optional')
  @OptionalAuth()
  optional(@Auth() auth: AuthInfo | undefined): { anonymous: boolean } {
    return { anonymous: auth === undefined }
  }

  @Get('me')
  me(@Auth() auth: AuthInfo): Record<string, unknown> {
    return { sub: auth.subject, client_id: auth.clientId, scopes: auth.scopes }
  }

  @Get('subject')
  subject(@Auth('subject') subject: string | undefined): { subject: string | undefined } {
    return { subject }
  }

  @Get('in-handler')
  inHandler(@Auth() auth: AuthInfo): { ok: boolean } {
    // A core error thrown by the handler itself: rendered by ScopeguardExceptionFilter.
    this.rs.authorize(auth, requireClaim('tenant', 'acme'))
    return { ok: true }
  }
}

@Controller()
class PerRouteController {
  @Get('open')
  open(): { open: boolean } {
    return { open: true }
  }

  @Get('guarded')
  @UseGuards(ScopeguardGuard)
  @Scopes('files:read')
  guarded(@Auth('subject') subject: string | undefined): { subject: string | undefined } {
    return { subject }
  }

  @Get('forgot-guard')
  forgotGuard(@Auth() auth: AuthInfo): { sub: string | undefined } {
    return { sub: auth.subject }
  }
}

/** Exceptions that reached {@link RecordingFilter}, for tests to inspect. */
export const recordedExceptions: unknown[] = []

/** Records the exception, then renders it exactly as Nest's default filter does. */
class RecordingFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    recordedExceptions.push(exception)
    super.catch(exception, host)
  }
}

@Controller('recorded')
@UseGuards(ScopeguardGuard)
@UseFilters(RecordingFilter)
class RecordedController {
  @Get()
  get(): { ok: boolean } {
    return { ok: true }
  }
}

@Controller('guarded-class')
@UseGuards(ScopeguardGuard)
class GuardedClassController {
  @Get()
  get(@Auth() auth: AuthInfo): { sub: string | undefined } {
    return { sub: auth.subject }
  }
}

/** The app with `global: true`: every route is guarded unless `@Public()`. */
export function globalGuardModule(options: ScopeguardModuleOptions): object {
  @Module({
    imports: [ScopeguardModule.forRoot({ ...options, global: true })],
    controllers: [HealthController, FilesController, MergedController, RoutesController],
    providers: [{ provide: APP_FILTER, useClass: ScopeguardExceptionFilter }],
  })
  class GlobalGuardModule {}
  return GlobalGuardModule
}

/** The app without a global guard: routes opt in with `@UseGuards(ScopeguardGuard)`. */
export function perRouteModule(options: ScopeguardModuleOptions): object {
  @Module({
    imports: [ScopeguardModule.forRoot(options)],
    controllers: [PerRouteController, GuardedClassController, RecordedController],
  })
  class PerRouteModule {}
  return PerRouteModule
}

/** A running Nest application on a loopback port. */
export interface RunningApp {
  origin: string
  app: INestApplication
  /** Messages Nest logged as errors. */
  errors: string[]
  close(): Promise<void>
}

/** Starts a Nest application on 127.0.0.1 with an ephemeral port. */
export async function startNest(module: object, platform: Platform): Promise<RunningApp> {
  const errors: string[] = []
  const logger: LoggerService = {
    log: () => undefined,
    warn: () => undefined,
    error: (...messages: unknown[]) => {
      errors.push(messages.map((m) => (m instanceof Error ? m.message : String(m))).join(' '))
    },
  }
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
  const app = await NestFactory.create(module as never, adapter, { logger, abortOnError: false })
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  return { origin: `http://127.0.0.1:${port}`, app, errors, close: () => app.close() }
}

/**
 * The version of `@nestjs/common` that modules of this package (the guard's included) resolve
 * under the running test configuration: 12 here, 11 in tests/nestjs-11.
 */
export async function resolvedNestVersion(): Promise<string> {
  const specifier = '@nestjs/common/package.json'
  const json = (await import(specifier, { with: { type: 'json' } })) as {
    default: { version: string }
  }
  return json.default.version
}
