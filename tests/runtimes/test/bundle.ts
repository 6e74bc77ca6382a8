// The Hono example's Worker entry as one ES module for the Fetch runtimes (workerd needs a single
// file; Bun and Deno run the same file), resolved with the conditions of a non-Node runtime: the
// core's `#platform/*` imports take their `default` build, and a `node:` import fails the build.
import { build } from 'esbuild'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const BUNDLE_DIR = fileURLToPath(new URL('../.bundle/', import.meta.url))
export const WORKER = `${BUNDLE_DIR}worker.js`
export const BUN_MAIN = `${BUNDLE_DIR}bun.js`
export const DENO_MAIN = `${BUNDLE_DIR}deno.js`

const ENTRY = fileURLToPath(new URL('../../../examples/hono/dist/worker.js', import.meta.url))

/** Launchers: serve the Worker's `fetch` on a free loopback port and print where. */
const LAUNCHERS = {
  [BUN_MAIN]: `import worker from './worker.js'
const env = JSON.parse(process.env.WORKER_ENV)
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => worker.fetch(request, env, {}) })
console.log('listening on http://127.0.0.1:' + server.port)
`,
  [DENO_MAIN]: `import worker from './worker.js'
const env = JSON.parse(Deno.env.get('WORKER_ENV'))
Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log('listening on http://127.0.0.1:' + port) },
  (request) => worker.fetch(request, env, {}),
)
`,
}

/** Bundles the Worker and writes the launchers. */
export async function bundleWorker(): Promise<void> {
  mkdirSync(BUNDLE_DIR, { recursive: true })
  // The packages' own tsconfig.json map `#platform/*` to their Node sources for type checking;
  // the bundle resolves the built packages through package.json only.
  const tsconfig = `${BUNDLE_DIR}tsconfig.json`
  writeFileSync(tsconfig, '{}')
  await build({
    tsconfig,
    entryPoints: [ENTRY],
    outfile: WORKER,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
  })
  for (const [path, source] of Object.entries(LAUNCHERS)) writeFileSync(path, source)
}
