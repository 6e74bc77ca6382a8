#!/usr/bin/env node
// One entry point for the README's commands on a machine that has only Node.js and npm:
// installs the workspace with a pinned pnpm, builds what is needed, then runs the task.
//   node scripts/bootstrap.mjs test          every package's tests, then a pass/fail summary
//   node scripts/bootstrap.mjs check         typecheck + lint (publint, attw, prettier)
//   node scripts/bootstrap.mjs demo [--once] the embedded authorization server + example tour
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const PNPM_VERSION = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).packageManager.split('@')[1]
const env = {
  ...process.env,
  // turbo runs tasks with the package manager named in packageManager, so pnpm must be on PATH
  // even when this script is started with plain `node` (the workspace installs pnpm here).
  PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].filter(Boolean).join(delimiter),
  TURBO_TELEMETRY_DISABLED: '1',
  TURBO_NO_UPDATE_NOTIFIER: '1',
  DO_NOT_TRACK: '1',
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...options })
  if (result.error) throw result.error
  return result.status ?? 1
}

function must(cmd, args) {
  const status = run(cmd, args)
  if (status !== 0) process.exit(status)
}

function install() {
  const localPnpm = join(root, 'node_modules', '.bin', 'pnpm')
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : []
  if (existsSync(localPnpm)) must(localPnpm, ['install', ...frozen, '--reporter=append-only'])
  else
    must('npx', ['--yes', `pnpm@${PNPM_VERSION}`, 'install', ...frozen, '--reporter=append-only'])
}

const bin = (name) => join(root, 'node_modules', '.bin', name)

/** The directories whose test task a `turbo run test ...args` would run, from a dry run. */
function testDirs(args) {
  const result = spawnSync(bin('turbo'), ['run', 'test', '--dry=json', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.status !== 0) {
    process.stderr.write(result.stderr ?? '')
    process.exit(result.status ?? 1)
  }
  return JSON.parse(result.stdout)
    .tasks.filter((t) => t.task === 'test' && t.command !== '<NONEXISTENT>')
    .map((t) => t.directory)
}

const [task, ...rest] = process.argv.slice(2)

switch (task) {
  case 'test': {
    install()
    // An earlier run's report would pass for a package whose tests cannot start now (turbo
    // restores the reports of cached runs), so the reports of this run's packages go first.
    const dirs = testDirs(rest)
    for (const dir of dirs) rmSync(join(root, dir, 'test-results.json'), { force: true })
    const status = run(bin('turbo'), [
      'run',
      'test',
      '--continue',
      '--output-logs=new-only',
      ...rest,
    ])
    const summary = run(process.execPath, [join(root, 'scripts', 'test-summary.mjs'), ...dirs])
    process.exit(status || summary)
  }
  case 'check': {
    install()
    must(bin('turbo'), ['run', 'typecheck', 'lint', ...rest])
    must(bin('prettier'), ['--check', '.'])
    break
  }
  case 'demo': {
    install()
    must(bin('turbo'), [
      'run',
      'build',
      '--filter=@scopeguard/demo...',
      '--output-logs=errors-only',
    ])
    process.exit(run(process.execPath, [join(root, 'demo', 'dist', 'main.js'), ...rest]))
  }
  default:
    console.error('usage: node scripts/bootstrap.mjs test|check|demo [args]')
    process.exit(2)
}
