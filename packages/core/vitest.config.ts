import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    // package.json `imports` point into dist/; tests run the sources (the Node build).
    alias: {
      '#platform/resolve-host': fileURLToPath(
        new URL('./src/platform/resolve-host.node.ts', import.meta.url),
      ),
      '#platform/signature': fileURLToPath(
        new URL('./src/platform/signature.node.ts', import.meta.url),
      ),
    },
  },
  test: {
    name: 'core',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 20_000,
  },
})
