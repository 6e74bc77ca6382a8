import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { ScopeguardException } from '../src/index.js'
import { resolvedNestVersion } from './nest-apps.js'

describe('the package is tested against NestJS 12', () => {
  it('resolves @nestjs/common 12 from its modules', async () => {
    expect(await resolvedNestVersion()).toMatch(/^12\./)
    const nest = createRequire(import.meta.url)('@nestjs/common') as { HttpException: unknown }
    expect(Object.getPrototypeOf(ScopeguardException)).toBe(nest.HttpException)
  })
})
