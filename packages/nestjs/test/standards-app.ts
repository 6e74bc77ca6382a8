// The Nest app of the standards cases (tests/shared/standards-cases.ts): guards on three resource servers,
// the module serving the first one's metadata, and resourceMetadataMiddleware() the second's.
import type { AddressInfo } from 'node:net'
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  UseGuards,
  type INestApplication,
} from '@nestjs/common'
import { HttpAdapterHost, Reflector } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Test } from '@nestjs/testing'
import type { ResourceServer } from '@scopeguard/core'
import { describe, expect, it } from 'vitest'
import {
  Auth,
  RefuseDelegation,
  RequireActor,
  RequireAuthentication,
  RequireDelegation,
  resourceMetadataMiddleware,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type AuthInfo,
  type ScopeguardModuleOptions,
} from '../src/index.js'
import {
  AUDIENCE,
  describeStandardsCases,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'

const MCP_RS = 'test:mcp-resource-server'
const PROXY_RS = 'test:proxy-resource-server'
const ELSEWHERE_RS = 'test:elsewhere-resource-server'

/** A guard on another resource server, as an app protecting two resources would write it. */
function guardOn(token: string): typeof ScopeguardGuard {
  @Injectable()
  class OtherResourceGuard extends ScopeguardGuard {
    constructor(
      @Inject(Reflector) reflector: Reflector,
      @Inject(token) resourceServer: ResourceServer<object>,
      @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
      @Inject(SCOPEGUARD_MODULE_OPTIONS) options: ScopeguardModuleOptions,
    ) {
      super(reflector, resourceServer, adapterHost, options)
    }
  }
  return OtherResourceGuard
}
const McpGuard = guardOn(MCP_RS)
const ProxyGuard = guardOn(PROXY_RS)
const ElsewhereGuard = guardOn(ELSEWHERE_RS)

const OK = { ok: true }

@Controller()
class StandardsController {
  @Get('files')
  @UseGuards(ScopeguardGuard)
  @Scopes('files:read')
  files(): typeof OK {
    return OK
  }

  @Get('mcp')
  @UseGuards(McpGuard)
  mcp(): typeof OK {
    return OK
  }

  @Get('mcp/tools')
  @UseGuards(McpGuard)
  @Scopes('mcp:tools')
  mcpTools(): typeof OK {
    return OK
  }

  @Get('proxied/files')
  @UseGuards(ProxyGuard)
  @Scopes('files:read')
  proxied(): typeof OK {
    return OK
  }

  @Get('elsewhere/files')
  @UseGuards(ElsewhereGuard)
  @Scopes('files:read')
  elsewhere(): typeof OK {
    return OK
  }
}

@Controller('step-up')
@UseGuards(ScopeguardGuard)
class StepUpController {
  @Get('mfa')
  @RequireAuthentication({ acrValues: ['urn:mfa'] })
  mfa(): typeof OK {
    return OK
  }

  @Get('either')
  @RequireAuthentication({ acrValues: ['a', 'b'] })
  either(): typeof OK {
    return OK
  }

  @Get('recent')
  @RequireAuthentication({ maxAge: 300 })
  recent(): typeof OK {
    return OK
  }

  @Get('both')
  @RequireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 })
  both(): typeof OK {
    return OK
  }

  // Decorator order does not matter: the guard checks step-up before scopes.
  @Get('write')
  @Scopes('files:write')
  @RequireAuthentication({ acrValues: ['urn:mfa'] })
  write(): typeof OK {
    return OK
  }
}

@Controller('delegation')
@UseGuards(ScopeguardGuard)
class DelegationController {
  @Get('chain')
  chain(@Auth() auth: AuthInfo): { actors: (string | undefined)[]; mayAct: unknown } {
    return { actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct }
  }

  @Get('required')
  @RequireDelegation()
  required(): typeof OK {
    return OK
  }

  @Get('refused')
  @RefuseDelegation()
  refused(): typeof OK {
    return OK
  }

  @Get('actor')
  @RequireActor('svc-a')
  actor(): typeof OK {
    return OK
  }
}

type Platform = 'express' | 'fastify'

async function startOne(
  servers: StandardsServers,
  platform: Platform,
  tls: boolean,
): Promise<{ app: INestApplication; origin: string }> {
  @Module({
    imports: [ScopeguardModule.forRoot({ issuer: 'https://replaced.example', audience: AUDIENCE })],
    controllers: [StandardsController, StepUpController, DelegationController],
    providers: [
      { provide: MCP_RS, useValue: servers.mcp },
      { provide: PROXY_RS, useValue: servers.proxy },
      { provide: ELSEWHERE_RS, useValue: servers.elsewhere },
      McpGuard,
      ProxyGuard,
      ElsewhereGuard,
    ],
  })
  class StandardsModule {}
  const moduleRef = await Test.createTestingModule({ imports: [StandardsModule] })
    .overrideProvider(SCOPEGUARD_RESOURCE_SERVER)
    .useValue(servers.files)
    .compile()
  const httpsOptions = {
    cert: servers.tls.certificate,
    key: servers.tls.privateKey,
    requestCert: true,
    rejectUnauthorized: false,
  }
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), {
          logger: false,
          ...(tls ? { httpsOptions } : {}),
        })
      : moduleRef.createNestApplication(
          new FastifyAdapter(tls ? { https: httpsOptions } : undefined),
          { logger: false },
        )
  // The module serves the files document by itself; the second resource's comes from here.
  app.use(resourceMetadataMiddleware(servers.mcp))
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  return { app, origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` }
}

/**
 * The standards cases on a Nest app per platform, over HTTP and HTTPS; shared by this package
 * (NestJS 12) and tests/nestjs-11.
 */
export function describeNestStandards(version: string): void {
  for (const platform of ['express', 'fastify'] as const) {
    describeStandardsCases(`NestJS ${version} on ${platform}`, async (servers) => {
      const plain = await startOne(servers, platform, false)
      const secure = await startOne(servers, platform, true)
      return {
        http: plain.origin,
        https: secure.origin,
        close: async () => {
          await plain.app.close()
          await secure.app.close()
        },
      }
    })
  }
}

@Controller('files')
class PrefixedController {
  @Get()
  @UseGuards(ScopeguardGuard)
  files(): typeof OK {
    return OK
  }
}

/**
 * The module's metadata route stays at the host root under `setGlobalPrefix()` (RFC 9728 §3.1
 * puts it right after the host), while the app's routes move under the prefix.
 */
export function describeGlobalPrefix(version: string): void {
  for (const platform of ['express', 'fastify'] as const) {
    it(`NestJS ${version} on ${platform}: the metadata stays at the root under a global prefix`, async () => {
      @Module({
        imports: [
          ScopeguardModule.forRoot({
            issuer: 'https://issuer.example.test',
            audience: AUDIENCE,
            resourceMetadata: { resource: AUDIENCE },
            logger: false,
          }),
        ],
        controllers: [PrefixedController],
      })
      class PrefixedModule {}
      const moduleRef = await Test.createTestingModule({ imports: [PrefixedModule] }).compile()
      const app = moduleRef.createNestApplication(
        platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
        { logger: false },
      )
      app.setGlobalPrefix('api')
      await app.listen(0, '127.0.0.1')
      try {
        const { port } = app.getHttpServer().address() as AddressInfo
        const origin = `http://127.0.0.1:${port}`
        const root = await fetch(`${origin}/.well-known/oauth-protected-resource`)
        expect(root.status).toBe(200)
        expect(await root.json()).toMatchObject({ resource: AUDIENCE })
        expect((await fetch(`${origin}/api/.well-known/oauth-protected-resource`)).status).toBe(404)
        const files = await fetch(`${origin}/api/files`)
        expect(files.status).toBe(401)
        expect(files.headers.get('www-authenticate')).toContain(
          `resource_metadata="${AUDIENCE}/.well-known/oauth-protected-resource"`,
        )
      } finally {
        await app.close()
      }
    })
  }
}

/** Configuration errors of {@link resourceMetadataMiddleware}. */
export function describeMetadataMiddlewareErrors(): void {
  describe('resourceMetadataMiddleware()', () => {
    it('refuses a resource server without the resourceMetadata option', () => {
      const plain = {
        resourceMetadata: undefined,
        authenticate: () => undefined,
      } as unknown as ResourceServer
      expect(() => resourceMetadataMiddleware(plain)).toThrow(/resourceMetadata option/)
      expect(() => resourceMetadataMiddleware()).toThrow(/at least one/)
    })
  })
}
