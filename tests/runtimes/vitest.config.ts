import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'runtimes',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
