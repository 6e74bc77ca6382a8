import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'opentelemetry',
    include: ['src/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 20_000,
  },
})
