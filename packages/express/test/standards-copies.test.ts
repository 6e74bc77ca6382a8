import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

// standards-cases.ts is copied into the tests of every adapter package (each runs it with its own
// framework); the copies must stay identical, or the adapters would be held to different cases.
it('every adapter runs the same standards cases', () => {
  const read = (pkg: string): string =>
    readFileSync(new URL(`../../${pkg}/test/standards-cases.ts`, import.meta.url), 'utf8')
  const original = read('express')
  for (const pkg of ['koa', 'nestjs', 'passport']) {
    expect(read(pkg) === original, `packages/${pkg}/test/standards-cases.ts differs`).toBe(true)
  }
})
