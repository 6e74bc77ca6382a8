#!/usr/bin/env node
// One entry point for the README's commands on a machine that has only Node.js and npm:
// installs the workspace with a pinned pnpm, builds what is needed, then runs the task.
//   node scripts/bootstrap.mjs test          every package's tests, then a pass/fail summary
//   node scripts/bootstrap.mjs check         typecheck + lint (publint, attw, prettier)
//   node scripts/bootstrap.mjs demo [--once] the embedded authorization server + example tour
//   node scripts/bootstrap.mjs bench [--quick] the side-by-side benchmark (bench/README.md)
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

/**
 * Starts a single Redis node and a three-node cluster through scripts/redis.sh (which installs
 * redis-server from Debian's packages when it is missing) unless REDIS_URL and REDIS_CLUSTER_NODES
 * are already set; puts their addresses into the tasks' environment. Returns the stop function.
 */
function startRedisUnlessGiven() {
  if (env.REDIS_URL && env.REDIS_CLUSTER_NODES) return () => {}
  const script = join(root, 'scripts', 'redis.sh')
  const started = spawnSync('bash', [script, 'start'], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (started.status !== 0) {
    console.error(
      'Could not start Redis for the tests (see above). Start it yourself and set REDIS_URL and ' +
        'REDIS_CLUSTER_NODES, e.g. eval "$(bash scripts/redis.sh start)".',
    )
    process.exit(started.status ?? 1)
  }
  for (const line of started.stdout.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim())
    if (match) env[match[1]] = match[2]
  }
  const dir = env.SCOPEGUARD_REDIS_DIR
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    spawnSync('bash', [script, 'stop', dir], { cwd: root, env, stdio: 'inherit' })
  }
  process.on('exit', stop)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      stop()
      process.exit(130)
    })
  }
  return stop
}

const [task, ...rest] = process.argv.slice(2)

switch (task) {
  case 'test': {
    install()
    // The @scopeguard/redis and multi-instance tests need real Redis servers; when the caller
    // did not provide them (REDIS_URL, REDIS_CLUSTER_NODES), start them for this run.
    const stopRedis = startRedisUnlessGiven()
    // An earlier run's report would pass for a package whose tests cannot start now (turbo
    // restores the reports of cached runs), so the reports of this run's packages go first.
    const dirs = testDirs(rest)
    for (const dir of dirs) rmSync(join(root, dir, 'test-results.json'), { force: true })
    const status = run(bin('turbo'), [
      'run',
      'test',
      '--continue',
      // Many suites start servers and child processes and measure bounded latencies; on a
      // 2-core machine ten of them at once (turbo's default) starve each other.
      '--concurrency=3',
      '--output-logs=new-only',
      ...rest,
    ])
    const summary = run(process.execPath, [join(root, 'scripts', 'test-summary.mjs'), ...dirs])
    stopRedis()
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
  case 'bench': {
    install()
    must(bin('turbo'), [
      'run',
      'build',
      '--filter=@scopeguard/bench...',
      '--output-logs=errors-only',
    ])
    // `npm run bench -- --quick` passes a literal `--` through on some npm versions
    const args = rest.filter((arg) => arg !== '--')
    process.exit(run(process.execPath, [join(root, 'bench', 'dist', 'run.js'), ...args]))
  }
  default:
    console.error('usage: node scripts/bootstrap.mjs test|check|demo|bench [args]')
    process.exit(2)
}
