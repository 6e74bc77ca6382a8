import { defineConfig } from 'vitest/config'

// The shared test cases and the guard's source live in packages/nestjs, whose own node_modules
// hold NestJS 12. Deduplicating resolves every @nestjs/* import, wherever it is written, from this
// package's root instead: NestJS 11. test/nest-version.test.ts proves it.
const NEST_PACKAGES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  '@nestjs/testing',
]

export default defineConfig({
  resolve: { dedupe: NEST_PACKAGES },
  test: {
    name: 'nestjs-11',
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 20_000,
  },
})
