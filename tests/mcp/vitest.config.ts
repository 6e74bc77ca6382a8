import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'mcp',
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
