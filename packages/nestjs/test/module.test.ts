import type { AddressInfo } from 'node:net'
import { Controller, Get, Inject, Injectable, Module, type INestApplication } from '@nestjs/common'
import { ConfigModule, ConfigService } from '@nestjs/config'
import { NestFactory } from '@nestjs/core'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Auth,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardModule,
  Scopes,
  type AuthInfo,
  type ResourceServer,
  type ScopeguardModuleOptions,
  type ScopeguardOptionsFactory,
} from '../src/index.js'

const AUDIENCE = 'https://files.example.test'

@Controller('files')
class FilesController {
  @Get()
  @Scopes('files:read')
  list(@Auth() auth: AuthInfo): { sub: string | undefined } {
    return { sub: auth.subject }
  }
}

async function start(module: object): Promise<{ app: INestApplication; origin: string }> {
  const app = await NestFactory.create(module as never, new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  })
  await app.listen(0, '127.0.0.1')
  return { app, origin: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` }
}

describe('ScopeguardModule.forRootAsync', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
  })
  afterAll(async () => {
    await issuer?.close()
  })

  it('builds the resource server from @nestjs/config with useFactory, and guards globally', async () => {
    @Module({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: AUDIENCE })],
        }),
        ScopeguardModule.forRootAsync({
          global: true,
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            issuer: config.getOrThrow<string>('OAUTH_ISSUER'),
            audience: config.getOrThrow<string>('OAUTH_AUDIENCE'),
            logger: false,
          }),
        }),
      ],
      controllers: [FilesController],
    })
    class ConfiguredModule {}
    const { app, origin } = await start(ConfiguredModule)
    try {
      const rs = app.get<ResourceServer>(SCOPEGUARD_RESOURCE_SERVER)
      expect(rs.issuer).toBe(issuer.issuer)
      expect(rs.audiences).toEqual([AUDIENCE])
      expect(app.get<ScopeguardModuleOptions>(SCOPEGUARD_MODULE_OPTIONS)).not.toHaveProperty(
        'global',
      )
      expect((await fetch(`${origin}/files`)).status).toBe(401)
      const ok = await fetch(`${origin}/files`, {
        headers: { authorization: `Bearer ${await issuer.sign({ scope: 'files:read' })}` },
      })
      expect(ok.status).toBe(200)
      expect(await ok.json()).toEqual({ sub: 'user-123' })
    } finally {
      await app.close()
    }
  })

  it('takes the options from a ScopeguardOptionsFactory class with useClass', async () => {
    @Injectable()
    class OptionsFromClass implements ScopeguardOptionsFactory {
      createScopeguardOptions(): ScopeguardModuleOptions {
        return { issuer: issuer.issuer, audience: AUDIENCE, realm: 'files', logger: false }
      }
    }
    @Module({
      imports: [ScopeguardModule.forRootAsync({ global: true, useClass: OptionsFromClass })],
      controllers: [FilesController],
    })
    class ClassConfiguredModule {}
    const { app, origin } = await start(ClassConfiguredModule)
    try {
      const response = await fetch(`${origin}/files`)
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(
        // The route's @Scopes() are named in its 401 (scope), on the Bearer challenge.
        /^Bearer realm="files", scope="files:read", DPoP realm="files", algs="ES256 /,
      )
    } finally {
      await app.close()
    }
  })

  it('lets a service inject the resource server through SCOPEGUARD_RESOURCE_SERVER', async () => {
    @Injectable()
    class TokenService {
      constructor(@Inject(SCOPEGUARD_RESOURCE_SERVER) readonly rs: ResourceServer) {}
    }
    @Module({
      imports: [ScopeguardModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE })],
      providers: [TokenService],
    })
    class ServiceModule {}
    const app = await NestFactory.createApplicationContext(ServiceModule, { logger: false })
    try {
      const auth = await app.get(TokenService).rs.verifyToken(await issuer.sign())
      expect(auth.subject).toBe('user-123')
    } finally {
      await app.close()
    }
  })
})
