// The web entry points must run where there is no Node.js: every module reachable from
// @scopeguard/web's and @scopeguard/hono's built entry (and the core's, with its `#platform/*`
// imports under the `default` condition, never `node`) is resolved here as a runtime without
// Node resolves it, and any `node:` import fails the build.
import { build, type Metafile } from 'esbuild'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BUNDLE_DIR } from './bundle.js'

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url))

const ENTRIES = {
  '@scopeguard/web': root('packages/web/dist/index.js'),
  '@scopeguard/hono': root('packages/hono/dist/index.js'),
  '@scopeguard/core': root('packages/core/dist/index.js'),
}

/**
 * `node:` imports allowed: lru-cache's default build tries `import('node:diagnostics_channel')`
 * and falls back to a no-op when it fails (as it does on workerd): dynamic, and optional.
 */
const OPTIONAL_DYNAMIC = [{ importer: /\/lru-cache\//, path: 'node:diagnostics_channel' }]

/** Resolves and loads the module graph of `entry` with only the `default`/`import` conditions. */
async function moduleGraph(entry: string, conditions: string[] = []): Promise<Metafile> {
  const tsconfig = `${BUNDLE_DIR}tsconfig.json`
  writeFileSync(tsconfig, '{}')
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    conditions,
    mainFields: ['module', 'main'],
    tsconfig,
    logLevel: 'silent',
  })
  return result.metafile
}

describe('no node: builtin is reachable from the web entry points', () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    it(`${name} (dist/index.js) and everything it imports`, async () => {
      const graph = await moduleGraph(entry)
      const inputs = Object.keys(graph.inputs)
      const nodeImports = Object.entries(graph.inputs).flatMap(([importer, input]) =>
        input.imports
          .filter((imported) => imported.path.startsWith('node:'))
          .map((imported) => ({ importer, path: imported.path, kind: imported.kind })),
      )
      const forbidden = nodeImports.filter(
        ({ importer, path, kind }) =>
          kind !== 'dynamic-import' ||
          !OPTIONAL_DYNAMIC.some(
            (allowed) => allowed.importer.test(importer) && allowed.path === path,
          ),
      )
      expect(forbidden).toEqual([])
      // the core's platform seams (#platform/*) took their web builds, none their Node ones
      expect(inputs.filter((path) => /\/platform\/[^/]+\.node\.js$/.test(path))).toEqual([])
      expect(inputs.some((path) => path.endsWith('platform/resolve-host.web.js'))).toBe(true)
      expect(inputs.some((path) => path.endsWith('platform/signature.web.js'))).toBe(true)
    })
  }

  it('would fail for a node: import (the core under the node condition has one)', async () => {
    await expect(moduleGraph(ENTRIES['@scopeguard/core'], ['node'])).rejects.toThrow(
      /node:dns\/promises/,
    )
  })
})
