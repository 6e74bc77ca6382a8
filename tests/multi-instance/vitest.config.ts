import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'multi-instance',
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The files start processes and one stops a Redis server: one file at a time.
    fileParallelism: false,
  },
})
