// One install per framework (issue 14). Each adapter, packed as it is published, is installed
// ALONE into a fresh folder outside the workspace — with only its framework and the packages its
// README's install line names — by npm and by pnpm (isolated, no hoisting of any kind). Its README
// quick start (fixtures/install/<adapter>) then compiles under `strict` as an ES module and as
// CommonJS (`module: NodeNext`), starts against a local test issuer and answers 200, 401 and 403.
// The core arrives only as the adapter's own dependency: overrides point @scopeguard/core at its
// packed tarball, so nothing is fetched under our names. Needs the package registry.
import { execFile, spawn } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestIssuer, DEFAULT_SUBJECT, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const fixtures = fileURLToPath(new URL('../fixtures/install/', import.meta.url))
const pnpm = join(root, 'node_modules/.bin/pnpm')
const tsc = join(root, 'node_modules/.bin/tsc')

// Timeouts only catch hangs: a cold install on a busy 2-core machine can take minutes.
const INSTALL_TIMEOUT = 300_000
const COMPILE_TIMEOUT = 180_000
const START_TIMEOUT = 60_000

const nodeMajor = Number(process.versions.node.split('.')[0])
/** NestJS 12 depends on file-type 22 (engines.node >=22): on Node 20 the README installs Nest 11. */
const nestMajor = nodeMajor >= 22 ? 12 : 11

interface Adapter {
  name: 'express' | 'koa' | 'nestjs' | 'passport' | 'fastify' | 'hono'
  /** The README's install line besides the adapter itself (name → version). */
  dependencies: Record<string, string>
  /** The README's TypeScript line (`npm install -D …`). */
  devDependencies: Record<string, string>
  /** Scopes of a token the quick start's GET /files accepts, and of one it refuses with 403. */
  granted: string
  insufficient: string
  decorators?: boolean
  /**
   * Packages of the framework's own dependency tree whose engine warnings on this Node are the
   * framework's, not ours (each with the reason); every other engine warning still fails.
   */
  frameworkEngineWarnings?: readonly string[]
}

const TYPESCRIPT = { '@types/node': `^${nodeMajor}` }

const ADAPTERS: Adapter[] = [
  {
    name: 'express',
    dependencies: { express: 'latest' },
    devDependencies: { ...TYPESCRIPT, '@types/express': 'latest' },
    granted: 'files:read',
    insufficient: 'files:write',
  },
  {
    name: 'koa',
    dependencies: { koa: 'latest', '@koa/router': 'latest', '@koa/bodyparser': 'latest' },
    devDependencies: { ...TYPESCRIPT, '@types/koa': 'latest' },
    granted: 'files:read',
    insufficient: 'files:write',
  },
  {
    name: 'nestjs',
    dependencies: {
      '@nestjs/common': `^${nestMajor}`,
      '@nestjs/core': `^${nestMajor}`,
      '@nestjs/platform-express': `^${nestMajor}`,
      'reflect-metadata': 'latest',
      rxjs: 'latest',
    },
    devDependencies: TYPESCRIPT,
    granted: 'files files:read',
    insufficient: 'files',
    decorators: true,
  },
  {
    name: 'passport',
    dependencies: { passport: 'latest', express: 'latest' },
    devDependencies: { ...TYPESCRIPT, '@types/passport': 'latest', '@types/express': 'latest' },
    granted: 'files:read',
    insufficient: 'files:write',
  },
  {
    name: 'fastify',
    dependencies: { fastify: 'latest' },
    devDependencies: TYPESCRIPT,
    // Fastify 5 → light-my-request 6.8 → cookie 2, which declares node >=22: npm warns on Node 20
    // for Fastify's own tree (any Fastify 5 resolves to it); our packages' engines are checked.
    frameworkEngineWarnings: ['cookie'],
    granted: 'files:read',
    insufficient: 'files:write',
  },
  {
    name: 'hono',
    dependencies: { hono: 'latest', '@hono/node-server': 'latest' },
    devDependencies: TYPESCRIPT,
    granted: 'files:read',
    insufficient: 'files:write',
  },
]

type PackageManager = 'npm' | 'pnpm'
type Mode = 'esm' | 'cjs'

interface Outcome {
  code: number | string
  output: string
}

/**
 * The environment for child processes: without NODE_OPTIONS and without the npm_* variables a
 * package manager running these tests exports (they would configure the nested installs), but
 * with the ones that say where the registry is.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS') continue
    if (
      /^(npm|pnpm)_/i.test(name) &&
      !/^npm_config_(registry|cafile|ca|proxy|https_proxy|noproxy|strict_ssl|cache|store_dir)$/i.test(
        name,
      )
    ) {
      continue
    }
    env[name] = value
  }
  return { ...env, ...extra }
}

/** Runs a command to completion and resolves with its exit code and combined output. */
function run(command: string, args: string[], cwd: string, timeout: number): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: childEnv(), timeout, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number | string; signal?: string }) | null
        const code = failed === null ? 0 : (failed.signal ?? failed.code ?? 1)
        resolve({ code: code ?? 1, output: `${stdout}${stderr}` })
      },
    )
  })
}

interface RunningApp {
  port: number
  stop(): Promise<void>
}

/**
 * Starts a compiled app and waits for its `listening {…}` line; rejects with its output when it
 * exits first (or hangs past the timeout).
 */
function start(script: string, cwd: string, env: Record<string, string>): Promise<RunningApp> {
  const child = spawn(process.execPath, [script], {
    cwd,
    env: childEnv({ ...env, PORT: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await exited
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`no "listening" line in time:\n${output}`)))
    }, START_TIMEOUT)
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /^listening (\{.*\})$/m.exec(output)
      if (match?.[1] === undefined) return
      clearTimeout(timer)
      resolve({ port: (JSON.parse(match[1]) as { port: number }).port, stop })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code ?? signal}) before listening:\n${output}`))
    })
  })
}

/**
 * The engine mismatches an install reported (npm's multi-line EBADENGINE blocks, pnpm's
 * "Unsupported engine" lines), one string each, except those naming one of `framework`'s packages.
 */
function engineWarnings(output: string, framework: readonly string[] = []): string[] {
  const warnings: string[] = []
  let open = false
  for (const line of output.split('\n')) {
    if (/Unsupported engine/i.test(line)) {
      warnings.push(line)
      open = /EBADENGINE/.test(line)
    } else if (open && /EBADENGINE/.test(line)) {
      warnings[warnings.length - 1] += `\n${line}`
    } else {
      open = false
    }
  }
  // The package is named after a quote (npm) or a space (pnpm): `cookie@` is not `@x/cookie@`.
  const named = (warning: string, name: string): boolean =>
    warning.includes(`'${name}@`) || warning.includes(` ${name}@`)
  return warnings.filter((warning) => !framework.some((name) => named(warning, name)))
}

let work: string
let packed: Record<string, string>
let issuer: TestIssuer

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scopeguard-install-'))
  const destination = join(work, 'tarballs')
  mkdirSync(destination)
  packed = {}
  // pnpm pack rewrites `workspace:^` to the version range, as publishing does.
  // @scopeguard/web too: @scopeguard/hono depends on it.
  for (const name of ['core', 'web', ...ADAPTERS.map((adapter) => adapter.name)]) {
    const result = await run(
      pnpm,
      ['pack', '--pack-destination', destination],
      join(root, 'packages', name),
      COMPILE_TIMEOUT,
    )
    expect(result.output, `pnpm pack ${name}`).not.toMatch(/ERR_/)
    expect(result.code, result.output).toBe(0)
    const tarball = readdirSync(destination).find((file) => file.startsWith(`scopeguard-${name}-`))
    expect(tarball, `tarball of ${name}`).toBeDefined()
    packed[name] = join(destination, tarball ?? '')
  }
  issuer = await createTestIssuer()
}, INSTALL_TIMEOUT)

// Removing the installed trees (npm and pnpm, per adapter) outlasts the default 10 s hook timeout
// on a loaded machine.
afterAll(async () => {
  await issuer?.close()
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
}, COMPILE_TIMEOUT)

/** The app's package.json: the adapter tarball, the README's install line, overrides for the core. */
function manifest(adapter: Adapter, manager: PackageManager): Record<string, unknown> {
  const core = `file:${packed.core}`
  const overrides = { '@scopeguard/core': core, '@scopeguard/web': `file:${packed.web}` }
  return {
    name: `scopeguard-install-${adapter.name}`,
    private: true,
    dependencies: {
      [`@scopeguard/${adapter.name}`]: `file:${packed[adapter.name]}`,
      ...adapter.dependencies,
    },
    devDependencies: adapter.devDependencies,
    ...(manager === 'npm' ? { overrides } : { pnpm: { overrides } }),
  }
}

function tsconfig(adapter: Adapter): Record<string, unknown> {
  return {
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      strict: true,
      // Our declarations are checked too: a type they need and the app lacks is an error here.
      skipLibCheck: false,
      types: ['node'],
      rootDir: '.',
      outDir: 'dist',
      ...(adapter.decorators === true ? { experimentalDecorators: true } : {}),
    },
    include: ['app.ts'],
  }
}

function fixtureFile(adapter: Adapter, mode: Mode): string {
  const own = join(fixtures, adapter.name, `${mode}.ts`)
  return existsSync(own) ? own : join(fixtures, adapter.name, 'app.ts')
}

describe.each<PackageManager>(['npm', 'pnpm'])('installed with %s', (manager) => {
  for (const adapter of ADAPTERS) {
    describe(`@scopeguard/${adapter.name}`, () => {
      let project: string

      it(
        'installs alone with the README install line, without engine warnings',
        async () => {
          project = join(work, manager, adapter.name)
          mkdirSync(project, { recursive: true })
          writeFileSync(join(project, 'package.json'), JSON.stringify(manifest(adapter, manager)))
          if (manager === 'pnpm') {
            writeFileSync(
              join(project, '.npmrc'),
              'node-linker=isolated\nshamefully-hoist=false\npublic-hoist-pattern=\nhoist=false\n',
            )
          }
          const result =
            manager === 'npm'
              ? await run('npm', ['install', '--no-audit', '--no-fund'], project, INSTALL_TIMEOUT)
              : await run(pnpm, ['install', '--no-frozen-lockfile'], project, INSTALL_TIMEOUT)
          expect(result.code, result.output).toBe(0)
          expect(engineWarnings(result.output, adapter.frameworkEngineWarnings)).toEqual([])
          if (manager === 'pnpm') {
            // Strict: the app cannot see the core; only the adapter's re-exports reach it.
            expect(existsSync(join(project, 'node_modules/@scopeguard/core'))).toBe(false)
          }
          for (const mode of ['esm', 'cjs'] as const) {
            const dir = join(project, mode)
            mkdirSync(dir)
            cpSync(fixtureFile(adapter, mode), join(dir, 'app.ts'))
            const type = mode === 'esm' ? 'module' : 'commonjs'
            writeFileSync(join(dir, 'package.json'), JSON.stringify({ type }))
            writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig(adapter)))
          }
        },
        INSTALL_TIMEOUT,
      )

      describe.each<Mode>(['esm', 'cjs'])('as %s', (mode) => {
        it(
          'compiles the README quick start with tsc --strict (module NodeNext)',
          async () => {
            const result = await run(tsc, ['-p', '.'], join(project, mode), COMPILE_TIMEOUT)
            expect(result.output).toBe('')
            expect(result.code).toBe(0)
          },
          COMPILE_TIMEOUT,
        )

        it(
          'answers 200 with the scope, 401 without a token, 403 without the scope',
          async () => {
            const app = await start('dist/app.js', join(project, mode), {
              OAUTH_ISSUER: issuer.issuer,
              OAUTH_AUDIENCE: issuer.audience as string,
            })
            try {
              const url = `http://127.0.0.1:${app.port}/files`
              const bearer = async (scope: string): Promise<Record<string, string>> => ({
                authorization: `Bearer ${await issuer.sign({}, { scope })}`,
              })

              const ok = await fetch(url, { headers: await bearer(adapter.granted) })
              expect(ok.status).toBe(200)
              expect(await ok.json()).toEqual({ owner: DEFAULT_SUBJECT })

              const anonymous = await fetch(url)
              expect(anonymous.status).toBe(401)
              const challenge = anonymous.headers.get('www-authenticate') ?? ''
              expect(challenge).toMatch(/^Bearer realm="[^"]*"/)
              expect(challenge).not.toContain('error=') // RFC 6750 §3.1: no token, no error code

              const scoped = await fetch(url, { headers: await bearer(adapter.insufficient) })
              expect(scoped.status).toBe(403)
              expect(scoped.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
            } finally {
              await app.stop()
            }
          },
          START_TIMEOUT,
        )
      })

      if (manager === 'npm') {
        it(
          'fails at startup, before listening, when the issuer is wrong (rs.warmUp())',
          async () => {
            // Nothing listens on port 9 of loopback: discovery is refused at once.
            const starting = start('dist/app.js', join(project, 'esm'), {
              OAUTH_ISSUER: 'http://127.0.0.1:9',
              OAUTH_AUDIENCE: issuer.audience as string,
            })
            await expect(starting).rejects.toThrow(/exited \(1\) before listening/)
          },
          START_TIMEOUT,
        )
      }
    })
  }
})
