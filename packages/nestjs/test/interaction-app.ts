// The Nest app of the interaction matrix (tests/shared/interaction-cases.ts): one guarded route
// on the resource server under test, over HTTPS, on Express and on Fastify; shared by this package
// (NestJS 12) and tests/nestjs-11.
import type { AddressInfo } from 'node:net'
import { Controller, Get, Module, UseGuards } from '@nestjs/common'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Test } from '@nestjs/testing'
import type { ResourceServer } from '@scopeguard/core'
import type { TestCertificate } from '@scopeguard/testing'
import {
  Auth,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type AuthInfo,
} from '../src/index.js'
import { AUDIENCE, describeInteractionCases } from '../../../tests/shared/interaction-cases.js'
import type { RunningApp } from '../../../tests/shared/serve.js'

@Controller()
class FilesController {
  @Get('files')
  @UseGuards(ScopeguardGuard)
  @Scopes('files:read')
  files(@Auth() auth: AuthInfo): Record<string, unknown> {
    const { tokenType, format, issuer, audience, clientId } = auth
    return { tokenType, format, issuer, audience, clientId }
  }
}

@Module({
  imports: [ScopeguardModule.forRoot({ issuer: 'https://replaced.example', audience: AUDIENCE })],
  controllers: [FilesController],
})
class InteractionModule {}

async function startNest(
  rs: ResourceServer,
  tls: TestCertificate,
  platform: 'express' | 'fastify',
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [InteractionModule] })
    .overrideProvider(SCOPEGUARD_RESOURCE_SERVER)
    .useValue(rs)
    .compile()
  const httpsOptions = {
    cert: tls.certificate,
    key: tls.privateKey,
    requestCert: true,
    rejectUnauthorized: false,
  }
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false, httpsOptions })
      : moduleRef.createNestApplication(new FastifyAdapter({ https: httpsOptions }), {
          logger: false,
        })
  await app.listen(0, '127.0.0.1')
  const { port } = app.getHttpServer().address() as AddressInfo
  return { origin: `https://127.0.0.1:${port}`, close: () => app.close() }
}

/** The interaction matrix on a Nest app per platform. */
export function describeNestInteractions(
  version: string,
  platforms: readonly ('express' | 'fastify')[] = ['express', 'fastify'],
): void {
  for (const platform of platforms) {
    describeInteractionCases(`NestJS ${version} on ${platform}`, (rs, tls) =>
      startNest(rs, tls, platform),
    )
  }
}
