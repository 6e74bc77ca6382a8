// Our packages are ESM-only (CONVENTIONS §9.1). These tests prove that CommonJS consumers can
// still use every published package on Node >= 20.19, where require() of an ES module is
// unflagged: a plain .cjs script, an ES module for comparison, and a TypeScript project compiled
// as CommonJS with `module: nodenext` (how NestJS 11 apps are built). Every fixture resolves the
// packages by name through tests/packaging/node_modules, so it sees what the workspace links.
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const fixture = (path: string): string =>
  fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url))
const tsc = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url))

interface Outcome {
  /** The exit code, or the signal that ended the process (e.g. SIGTERM after the timeout). */
  code: number | string
  stdout: string
  stderr: string
}

// Generous: under a full `turbo run test` every package's tests compete for the CPU, and a
// TypeScript check of the fixture can take many times its usual few seconds.
const CHILD_TIMEOUT = 100_000
const TEST_TIMEOUT = 120_000

/** Runs a command to completion, resolving (not rejecting) with its exit code and output. */
async function outcome(command: string, args: string[], cwd: string): Promise<Outcome> {
  // NODE_OPTIONS is dropped so that only Node's defaults decide whether require(esm) works.
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env, timeout: CHILD_TIMEOUT })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as {
      code?: number | string
      signal?: string | null
      stdout?: string
      stderr?: string
    }
    return {
      code: typeof failed.code === 'number' ? failed.code : (failed.signal ?? failed.code ?? 1),
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? String(error),
    }
  }
}

/**
 * stderr without Node's ExperimentalWarning lines. Node 20.x may warn about require() of an ES
 * module; that warning is harmless, anything else on stderr is a failure.
 */
function unexpectedStderr(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^\(node:\d+\) ExperimentalWarning: /.test(line))
    .filter((line) => !line.startsWith('(Use `node --trace-warnings'))
}

const EXERCISED = [
  'core: formatChallenge ok',
  'express: exports ok',
  'koa: exports ok',
  'nestjs: exports ok',
  'passport: exports ok',
  'fastify: exports ok',
  'web: exports ok',
  'hono: exports ok',
  'redis: exports ok',
  'opentelemetry: exports ok',
  'testing: createTestIssuer started',
  'core: createResourceServer with a static JWKS verifies a token',
  'express: protect answers 200, 401 and 403',
  'testing: createTestIssuer closed',
]

describe('the Node.js running these tests', () => {
  it('is one our engines field allows, with require(esm) enabled', () => {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
    const supported = major === 20 ? minor >= 19 : major === 22 ? minor >= 12 : major >= 24
    expect(supported, `Node ${process.versions.node}`).toBe(true)
    expect(process.features.require_module).toBe(true)
  })
})

describe('a CommonJS consumer', () => {
  it(
    'require()s every published package and uses its exports',
    async () => {
      const result = await outcome(process.execPath, ['require.cjs'], fixture('runtime'))
      expect(unexpectedStderr(result.stderr)).toEqual([])
      expect(result.stdout.trim().split('\n')).toEqual([...EXERCISED, 'require: done'])
      expect(result.code).toBe(0)
    },
    TEST_TIMEOUT,
  )
})

describe('an ES module consumer', () => {
  it(
    'imports every published package and uses its exports',
    async () => {
      const result = await outcome(process.execPath, ['import.mjs'], fixture('runtime'))
      expect(unexpectedStderr(result.stderr)).toEqual([])
      expect(result.stdout.trim().split('\n')).toEqual([...EXERCISED, 'import: done'])
      expect(result.code).toBe(0)
    },
    TEST_TIMEOUT,
  )
})

describe('a TypeScript CommonJS consumer (module: nodenext)', () => {
  const project = fixture('nodenext-cjs')
  const outDir = fixture('nodenext-cjs/dist')
  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  it(
    'typechecks importing every published package',
    async () => {
      const result = await outcome(tsc, ['--noEmit', '-p', project], project)
      expect(result.stdout + result.stderr).toBe('')
      expect(result.code).toBe(0)
    },
    TEST_TIMEOUT,
  )

  it(
    'compiles to require() calls that run',
    async () => {
      // Types were checked above; --noCheck only emits (the CommonJS that NestJS apps run).
      const compiled = await outcome(tsc, ['-p', project, '--noCheck', '--outDir', outDir], project)
      expect(compiled.stdout + compiled.stderr).toBe('')
      expect(compiled.code).toBe(0)

      const script = "require('./dist/consumer.js').main().then((line) => console.log(line))"
      const result = await outcome(process.execPath, ['-e', script], project)
      expect(unexpectedStderr(result.stderr)).toEqual([])
      expect(result.stdout.trim()).toBe('true acme 2 function')
      expect(result.code).toBe(0)
    },
    TEST_TIMEOUT,
  )
})
