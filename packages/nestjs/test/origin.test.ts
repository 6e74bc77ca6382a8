import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common'
import { APP_FILTER } from '@nestjs/core'
import type { ResourceServerOptions } from '@scopeguard/core'
import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { OptionalAuth, ScopeguardExceptionFilter, ScopeguardModule, Scopes } from '../src/index.js'
import { PLATFORMS, startNest } from './nest-apps.js'

@Controller()
class OriginController {
  @Get('files')
  @Scopes('files:read')
  list(): { ok: boolean } {
    return { ok: true }
  }

  @Post('files')
  @HttpCode(200)
  @Scopes('files:read')
  create(): { ok: boolean } {
    return { ok: true }
  }

  @Get('optional')
  @OptionalAuth()
  @Scopes('files:read')
  optional(): { ok: boolean } {
    return { ok: true }
  }
}

function originModule(options: ResourceServerOptions): object {
  @Module({
    imports: [ScopeguardModule.forRoot({ ...options, global: true })],
    controllers: [OriginController],
    providers: [{ provide: APP_FILTER, useClass: ScopeguardExceptionFilter }],
  })
  class OriginModule {}
  return OriginModule
}

for (const platform of PLATFORMS) {
  // Nest runs guards on matched routes only: OPTIONS * and unmatched targets never reach it.
  // Express's body parser reads a GET's form body; Fastify's never does.
  describeOriginCases(
    `@scopeguard/nestjs on ${platform}`,
    (options) => startNest(originModule(options), platform),
    { anyTarget: false, getBodies: platform === 'express' },
  )
}
