import { createRequire } from 'node:module'
import { HttpException } from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { Test } from '@nestjs/testing'
import { describe, expect, it } from 'vitest'
import { ScopeguardException, ScopeguardGuard } from '../../../packages/nestjs/src/index.js'
import { resolvedNestVersion } from '../../../packages/nestjs/test/nest-apps.js'

// What Node itself resolves from this package: NestJS 11.
const requireHere = createRequire(import.meta.url)

describe('the guard under test runs on NestJS 11', () => {
  it('has NestJS 11 installed here', () => {
    const version = (requireHere('@nestjs/common/package.json') as { version: string }).version
    expect(version).toMatch(/^11\./)
  })

  it('makes the modules of packages/nestjs resolve @nestjs/common 11', async () => {
    expect(await resolvedNestVersion()).toMatch(/^11\./)
  })

  it("binds the guard's module to NestJS 11's @nestjs/common", () => {
    const nest11 = requireHere('@nestjs/common') as { HttpException: unknown }
    // ScopeguardException (packages/nestjs/src) extends the HttpException it imported.
    expect(Object.getPrototypeOf(ScopeguardException)).toBe(nest11.HttpException)
    expect(HttpException).toBe(nest11.HttpException)
  })

  it("binds the guard's injections and the test apps to NestJS 11's core and platforms", async () => {
    const core = requireHere('@nestjs/core') as typeof import('@nestjs/core')
    const injections = Reflect.getMetadata('self:paramtypes', ScopeguardGuard) as {
      index: number
      param: unknown
    }[]
    const tokens = injections.sort((a, b) => a.index - b.index).map((i) => i.param)
    expect(tokens[0]).toBe(core.Reflector)
    expect(tokens[2]).toBe(core.HttpAdapterHost)
    expect(NestFactory).toBe(core.NestFactory)
    expect(ExpressAdapter).toBe(
      (requireHere('@nestjs/platform-express') as { ExpressAdapter: unknown }).ExpressAdapter,
    )
    expect(FastifyAdapter).toBe(
      (requireHere('@nestjs/platform-fastify') as { FastifyAdapter: unknown }).FastifyAdapter,
    )
    expect(Test).toBe((requireHere('@nestjs/testing') as { Test: unknown }).Test)
  })
})
