// `pnpm bench`: starts the issuer, each contender and the load generator as separate processes,
// runs the scenarios with contenders alternating round by round, and writes the results
// (bench/results/latest.json), the tables (docs/benchmarks.md) and the chart (docs/benchmarks.svg).
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ContenderConfig } from './contenders.js'
import { CONTENDERS } from './contenders.js'
import { ask } from './ipc.js'
import { AUDIENCE, createSigner, generateKeys, tamper, writeKeys, type Algorithm } from './keys.js'
import type { LoadJob, LoadResult, ProbeJob, ProbeResult } from './loadgen.js'
import { start, type Started } from './processes.js'
import { machine, targets, writeReport } from './report.js'
import { signMany } from './sign-worker.js'
import type {
  ColdStartResult,
  EventLoopResult,
  MemoryResult,
  MicroResult,
  Results,
  RunOptions,
  Sample,
  ScenarioResult,
} from './results.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

function parseArgs(argv: string[]): RunOptions {
  const flag = (name: string): string | undefined => {
    const index = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
    if (index === -1) return undefined
    const arg = argv[index] as string
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[index + 1] ?? '')
  }
  const quick = argv.includes('--quick')
  const number = (name: string, fallback: number): number => {
    const value = flag(name)
    if (value === undefined) return fallback
    const parsed = Number(value)
    if (!Number.isFinite(parsed) || parsed <= 0)
      throw new Error(`--${name} must be a positive number`)
    return parsed
  }
  const list = (name: string): string[] | undefined => flag(name)?.split(',').filter(Boolean)
  return {
    quick,
    rounds: number('rounds', quick ? 1 : 3),
    durationSec: number('duration', quick ? 2 : 4),
    warmupSec: number('warmup', quick ? 1 : 2),
    connections: number('connections', 50),
    distinctTokens: number('distinct-tokens', quick ? 10_000 : 30_000),
    memoryTokens: number('memory-tokens', quick ? 50_000 : 1_000_000),
    microOps: number('micro-ops', quick ? 1_000 : 5_000),
    scenarios: list('scenarios'),
    contenders: list('contenders'),
    out: flag('out') ?? join(root, 'bench', 'results', 'latest.json'),
    docs: !argv.includes('--no-docs'),
    profile: flag('profile'),
  }
}

/** One contender as run in a scenario: which server, with which cache setting and tokens. */
interface Entry {
  id: string
  contender: string
  label: string
  cache?: ContenderConfig['cache']
  /** Token file to use instead of the scenario's. */
  tokens?: string
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

interface Stats {
  cpuUs: number
  rss: number
  heapUsed: number
  /** Cumulative bytes allocated in the young generation, GC count and GC time (µs). */
  youngAllocated: number
  gcCount: number
  gcUs: number
}

async function main(): Promise<void> {
  const reportOnly = process.argv.indexOf('--report-from')
  if (reportOnly !== -1) {
    // Rewrite docs/ from a saved results file, without running anything.
    const file = process.argv[reportOnly + 1] as string
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Results
    log(`report: ${writeReport(saved, join(root, 'docs')).join(', ')}`)
    return
  }
  const options = parseArgs(process.argv.slice(2))
  const began = Date.now()
  const machineInfo = machine()
  log(
    `scopeguard bench — ${machineInfo.cpus} cores, Node ${process.version}, ${options.quick ? 'quick' : 'full'} run`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'scopeguard-bench-'))
  const keysFile = join(dir, 'keys.json')
  const keys = generateKeys()
  writeKeys(keysFile, keys)
  const running: Started<object>[] = []
  const cleanup = async (): Promise<void> => {
    await Promise.all(running.map((p) => p.stop()))
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)))

  try {
    const issuer = await start<{ origin: string }>('issuer-server.js', [keysFile])
    running.push(issuer)
    const origin = issuer.ready.origin
    const loadgen = await start<object>('loadgen.js', [])
    running.push(loadgen)
    const base = {
      issuer: origin,
      jwksUri: `${origin}/jwks.json`,
      introspectionEndpoint: `${origin}/introspect`,
      audience: AUDIENCE,
    }

    // Tokens, signed here once per run.
    const files = new Map<string, string>()
    const tokenFile = (name: string, tokens: string[]): string => {
      const path = join(dir, `${name}.json`)
      writeFileSync(path, JSON.stringify(tokens))
      files.set(name, path)
      return path
    }
    const signers = Object.fromEntries(
      keys.keys.map((k) => [k.alg, createSigner(k, origin)]),
    ) as Record<Algorithm, ReturnType<typeof createSigner>>
    const repeated = Object.fromEntries(keys.keys.map((k) => [k.alg, signers[k.alg]()])) as Record<
      Algorithm,
      string
    >
    const distinctCache = new Map<Algorithm, string[]>()
    const distinct = async (alg: Algorithm): Promise<string[]> => {
      let tokens = distinctCache.get(alg)
      if (tokens === undefined) {
        const began = performance.now()
        const key = keys.keys.find((k) => k.alg === alg) as (typeof keys.keys)[number]
        tokens = await signMany(key, origin, options.distinctTokens)
        log(
          `signed ${options.distinctTokens} distinct ${alg} tokens in ${((performance.now() - began) / 1000).toFixed(1)} s`,
        )
        distinctCache.set(alg, tokens)
      }
      return tokens
    }
    const opaqueToken = `opaque-${randomUUID()}`

    const results: Results = {
      startedAt: new Date(began).toISOString(),
      finishedAt: '',
      machine: machineInfo,
      options,
      scenarios: [],
      coldStart: [],
      memory: [],
      micro: [],
      eventLoop: [],
    }
    const wanted = (scenario: string): boolean =>
      options.scenarios === undefined || options.scenarios.includes(scenario)
    const pick = (entries: Entry[]): Entry[] =>
      options.contenders === undefined
        ? entries
        : entries.filter(
            (e) => options.contenders?.includes(e.id) || options.contenders?.includes(e.contender),
          )
    const plain = (id: string): Entry => ({
      id,
      contender: id,
      label: (CONTENDERS[id] as { label: string }).label,
    })
    const ALL = Object.keys(CONTENDERS).filter((id) => id !== 'scopeguard-express-opaque')
    /** Floors of the repeated-token target only (the framework plus one no-op middleware). */
    const REPEATED_ONLY = ['bare-koa-middleware', 'bare-nest', 'bare-nest-guard', 'bare-passport']
    const OURS = [
      'scopeguard-express',
      'scopeguard-koa',
      'scopeguard-nestjs',
      'scopeguard-passport',
    ]

    /**
     * Distinct-token runs: every request misses. A pool larger than the default cache (10,000
     * entries) runs ours with their defaults; a smaller one with a cache of half the pool.
     */
    const poolExceedsCache = options.distinctTokens > 10_000
    const missingCache = poolExceedsCache
      ? undefined
      : { maxEntries: Math.max(1, Math.floor(options.distinctTokens / 2)) }
    const distinctEntries = (withDefaultCache: boolean): Entry[] => [
      ...ALL.filter(
        (id) =>
          !REPEATED_ONLY.includes(id) && (withDefaultCache || id !== 'bare-express-middleware'),
      ).map((id) => (OURS.includes(id) ? { ...plain(id), cache: missingCache } : plain(id))),
      ...(withDefaultCache && !poolExceedsCache
        ? [
            {
              id: 'scopeguard-express-default-cache',
              contender: 'scopeguard-express',
              label: '@scopeguard/express, default cache (10,000 entries: tokens repeat)',
            },
          ]
        : []),
    ]

    const plan: {
      name: string
      /** Primary scenarios get every round; the others one less. */
      primary: boolean
      title: string
      alg: Algorithm
      tokens: () => string[] | Promise<string[]>
      entries: Entry[]
    }[] = [
      {
        name: 'rs256-repeated',
        primary: true,
        title: 'RS256, one repeated token',
        alg: 'RS256',
        tokens: () => [repeated.RS256],
        entries: [
          ...ALL.map(plain),
          {
            id: 'scopeguard-express-no-cache',
            contender: 'scopeguard-express',
            label: '@scopeguard/express, cache: false',
            cache: false,
          },
          {
            id: 'scopeguard-express-opaque',
            contender: 'scopeguard-express-opaque',
            label: '@scopeguard/express, one repeated opaque token (introspection)',
            tokens: 'opaque',
          },
        ],
      },
      {
        name: 'rs256-distinct',
        primary: true,
        title: `RS256, ${options.distinctTokens.toLocaleString('en')} distinct tokens`,
        alg: 'RS256',
        tokens: () => distinct('RS256'),
        entries: distinctEntries(true),
      },
      {
        name: 'es256-distinct',
        primary: false,
        title: `ES256, ${options.distinctTokens.toLocaleString('en')} distinct tokens`,
        alg: 'ES256',
        tokens: () => distinct('ES256'),
        entries: distinctEntries(false),
      },
      {
        name: 'eddsa-distinct',
        primary: false,
        title: `EdDSA (Ed25519), ${options.distinctTokens.toLocaleString('en')} distinct tokens`,
        alg: 'EdDSA',
        tokens: () => distinct('EdDSA'),
        entries: distinctEntries(false),
      },
      {
        name: 'rs256-invalid',
        primary: false,
        title: `RS256, ${options.distinctTokens.toLocaleString('en')} distinct tokens, 10% with a bad signature`,
        alg: 'RS256',
        tokens: async () => (await distinct('RS256')).map((t, i) => (i % 10 === 9 ? tamper(t) : t)),
        entries: distinctEntries(false),
      },
    ]
    tokenFile('opaque', [opaqueToken])

    const stats = (child: Started<object>): Promise<Stats> =>
      ask<Stats>(child.child, { type: 'stats' })
    const load = (job: LoadJob): Promise<LoadResult> =>
      ask<LoadResult>(loadgen.child, { type: 'run', job })
    const burst = (url: string, tokens: string[]): Promise<Record<string, number>> =>
      ask(loadgen.child, { type: 'burst', job: { url, tokens } }, 60_000)
    const issuerCounts = (): Promise<Record<string, number>> =>
      ask(issuer.child, { type: 'counts' })
    const resetIssuer = (): Promise<unknown> => ask(issuer.child, { type: 'reset' })

    const startContender = (entry: Entry, alg: Algorithm): Promise<Started<{ port: number }>> =>
      start<{ port: number }>(
        'contender-process.js',
        [
          entry.contender,
          JSON.stringify({
            ...base,
            alg,
            ...(entry.cache === undefined ? {} : { cache: entry.cache }),
          }),
        ],
        [
          '--expose-gc',
          // Extra flags for the contender processes, e.g. BENCH_NODE_FLAGS=--trace-gc
          ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
          ...(options.profile
            ? [
                '--cpu-prof',
                `--cpu-prof-dir=${options.profile}`,
                `--cpu-prof-name=${entry.id}-${Date.now()}.cpuprofile`,
              ]
            : []),
        ],
      )

    for (const scenario of plan) {
      if (!wanted(scenario.name)) continue
      const entries = pick(scenario.entries)
      if (entries.length === 0) continue
      log(`\n== ${scenario.title}`)
      const mainFile = tokenFile(scenario.name, await scenario.tokens())
      const servers = new Map<string, Started<{ port: number }>>()
      const skipped: Record<string, string> = {}
      for (const entry of entries) {
        log(`  starting ${entry.id}`)
        const server = await startContender(entry, scenario.alg)
        running.push(server)
        const url = `http://127.0.0.1:${server.ready.port}`
        const valid = entry.tokens === 'opaque' ? opaqueToken : repeated[scenario.alg]
        const invalid = entry.tokens === 'opaque' ? `unknown-${opaqueToken}` : tamper(valid)
        const check = await burst(url, [valid, invalid])
        const expected = entry.contender.startsWith('bare') ? { '200': 2 } : { '200': 1, '401': 1 }
        if (JSON.stringify(check) !== JSON.stringify(expected)) {
          skipped[entry.id] = `valid/invalid token answered ${JSON.stringify(check)}`
          log(`  ${entry.id}: skipped, ${skipped[entry.id]}`)
          await server.stop()
          continue
        }
        servers.set(entry.id, server)
      }
      const active = entries.filter((e) => servers.has(e.id))
      const fileFor = (entry: Entry): string =>
        entry.tokens === undefined ? mainFile : (files.get(entry.tokens) as string)
      for (const entry of active) {
        const server = servers.get(entry.id) as Started<{ port: number }>
        log(`  warming up ${entry.id}`)
        await load({
          url: `http://127.0.0.1:${server.ready.port}`,
          connections: options.connections,
          durationSec: options.warmupSec,
          tokensFile: fileFor(entry),
        })
      }
      const samples = new Map<string, Sample[]>(active.map((e) => [e.id, []]))
      // The secondary scenarios (other algorithms, invalid tokens) get one round less.
      const rounds = scenario.primary ? options.rounds : Math.max(1, options.rounds - 1)
      for (let round = 0; round < rounds; round++) {
        // Alternate: each round starts one contender later, so no contender always runs first.
        const order = active.map((_, i) => active[(i + round) % active.length] as Entry)
        for (const entry of order) {
          const server = servers.get(entry.id) as Started<{ port: number }>
          const before = await stats(server)
          const result = await load({
            url: `http://127.0.0.1:${server.ready.port}`,
            connections: options.connections,
            durationSec: options.durationSec,
            tokensFile: fileFor(entry),
          })
          const after = await stats(server)
          const sample: Sample = {
            ...result,
            cpuUsPerRequest:
              result.requests > 0 ? (after.cpuUs - before.cpuUs) / result.requests : 0,
            youngBytesPerRequest:
              result.requests > 0
                ? (after.youngAllocated - before.youngAllocated) / result.requests
                : 0,
            gcUsPerRequest: result.requests > 0 ? (after.gcUs - before.gcUs) / result.requests : 0,
            rssMb: after.rss / 1048576,
          }
          ;(samples.get(entry.id) as Sample[]).push(sample)
          log(
            `  round ${round + 1} ${entry.id.padEnd(34)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s  ${sample.cpuUsPerRequest.toFixed(0).padStart(4)} µs/req  ${((sample.youngBytesPerRequest ?? 0) / 1024).toFixed(1).padStart(5)} KB/req  p99 ${result.p99} ms  non-2xx ${result.non2xx}`,
          )
        }
      }
      const scenarioResult: ScenarioResult = {
        name: scenario.name,
        title: scenario.title,
        alg: scenario.alg,
        skipped,
        contenders: active.map((entry) => {
          const list = samples.get(entry.id) as Sample[]
          const info = CONTENDERS[entry.contender] as (typeof CONTENDERS)[string]
          return {
            id: entry.id,
            label: entry.label,
            framework: info.framework,
            kind: info.kind,
            // Only the adapter as users run it is judged against its floor (not its variants).
            ...(info.floor === undefined || entry.id !== entry.contender
              ? {}
              : { floor: info.floor }),
            reqPerSec: median(list.map((s) => s.reqPerSec)),
            p50: median(list.map((s) => s.p50)),
            p99: median(list.map((s) => s.p99)),
            cpuUsPerRequest: median(list.map((s) => s.cpuUsPerRequest)),
            youngBytesPerRequest: median(list.map((s) => s.youngBytesPerRequest ?? 0)),
            gcUsPerRequest: median(list.map((s) => s.gcUsPerRequest ?? 0)),
            rssMb: Math.max(...list.map((s) => s.rssMb)),
            non2xxShare:
              list.reduce((n, s) => n + s.non2xx, 0) /
              Math.max(
                1,
                list.reduce((n, s) => n + s.requests, 0),
              ),
            errors: list.reduce((n, s) => n + s.errors + s.timeouts, 0),
            samples: list,
          }
        }),
      }
      results.scenarios.push(scenarioResult)
      if (process.env.BENCH_HEAP_PROFILE !== undefined) {
        for (const server of servers.values()) {
          log(`  heap profile: ${await ask<string>(server.child, { type: 'heapProfile' })}`)
        }
      }
      await Promise.all([...servers.values()].map((s) => s.stop()))
    }

    if (wanted('event-loop')) {
      // A synchronous signature check blocks the event loop for its duration; Web Crypto's runs
      // on libuv's pool. Measure what that does to an unrelated cheap route under load.
      const ids = [
        'bare-express',
        'crypto-express',
        'scopeguard-express',
        'jose-express',
        'fast-jwt-no-cache',
        'express-oauth2-jwt-bearer',
      ]
      const entries = pick(
        ids.map((id) => (OURS.includes(id) ? { ...plain(id), cache: missingCache } : plain(id))),
      )
      if (entries.length > 0) {
        log(
          `\n== event loop: GET /health latency (one request at a time) while ${options.connections} connections verify distinct RS256 tokens`,
        )
        const tokensFile = tokenFile('event-loop', await distinct('RS256'))
        // The probe has its own process: the load generator's busy event loop would add its own delay.
        const prober = await start<object>('loadgen.js', [])
        running.push(prober)
        const probe = (url: string, durationSec: number): Promise<ProbeResult> =>
          ask<ProbeResult>(prober.child, {
            type: 'probe',
            job: { url, path: '/health', durationSec, intervalMs: 2 } satisfies ProbeJob,
          })
        const servers = new Map<string, Started<{ port: number }>>()
        const idle = new Map<string, ProbeResult>()
        for (const entry of entries) {
          const server = await startContender(entry, 'RS256')
          running.push(server)
          servers.set(entry.id, server)
          const url = `http://127.0.0.1:${server.ready.port}`
          await load({
            url,
            connections: options.connections,
            durationSec: options.warmupSec,
            tokensFile,
          })
          idle.set(entry.id, await probe(url, Math.max(1, options.durationSec / 2)))
        }
        const samples = new Map<string, EventLoopResult['samples']>(entries.map((e) => [e.id, []]))
        const rounds = Math.max(1, options.rounds - 1)
        for (let round = 0; round < rounds; round++) {
          const order = entries.map((_, i) => entries[(i + round) % entries.length] as Entry)
          for (const entry of order) {
            const server = servers.get(entry.id) as Started<{ port: number }>
            const url = `http://127.0.0.1:${server.ready.port}`
            const before = await stats(server)
            const [result, health] = await Promise.all([
              load({
                url,
                connections: options.connections,
                durationSec: options.durationSec,
                tokensFile,
              }),
              // Inside the load's window: starts a little after it, ends a little before it.
              new Promise((resolve) => setTimeout(resolve, 250)).then(() =>
                probe(url, Math.max(0.5, options.durationSec - 0.75)),
              ),
            ])
            const after = await stats(server)
            const sample = {
              reqPerSec: result.reqPerSec,
              cpuUsPerRequest:
                result.requests > 0 ? (after.cpuUs - before.cpuUs) / result.requests : 0,
              probes: health.requests,
              p50: health.p50,
              p99: health.p99,
              max: health.max,
            }
            ;(samples.get(entry.id) as EventLoopResult['samples']).push(sample)
            log(
              `  round ${round + 1} ${entry.id.padEnd(28)} /files ${result.reqPerSec.toFixed(0).padStart(6)} req/s ${sample.cpuUsPerRequest.toFixed(0).padStart(4)} µs/req, non-2xx ${result.non2xx}; /health p50 ${health.p50.toFixed(2)} ms p99 ${health.p99.toFixed(2)} ms max ${health.max.toFixed(1)} ms (${health.requests} probes)`,
            )
          }
        }
        for (const entry of entries) {
          const list = samples.get(entry.id) as EventLoopResult['samples']
          const still = idle.get(entry.id) as ProbeResult
          results.eventLoop?.push({
            id: entry.id,
            label: entry.label,
            reqPerSec: median(list.map((s) => s.reqPerSec)),
            cpuUsPerRequest: median(list.map((s) => s.cpuUsPerRequest)),
            health: {
              requests: list.reduce((n, s) => n + s.probes, 0),
              p50: median(list.map((s) => s.p50)),
              p99: median(list.map((s) => s.p99)),
              max: median(list.map((s) => s.max)),
            },
            idle: { requests: still.requests, p50: still.p50, p99: still.p99, max: still.max },
            samples: list,
          })
        }
        await Promise.all([...servers.values()].map((s) => s.stop()))
        await prober.stop()
      }
    }

    if (wanted('cold-start')) {
      log('\n== cold start: 200 concurrent requests on a fresh process, then an unknown-kid flood')
      const rogue = createSigner(keys.rogue, origin)
      const coldIds = ALL.filter((id) => !id.startsWith('bare') && CONTENDERS[id]?.kind !== 'floor')
      for (const id of pick(coldIds.map(plain)).map((e) => e.id)) {
        const entry = plain(id)
        const server = await startContender(entry, 'RS256')
        running.push(server)
        const url = `http://127.0.0.1:${server.ready.port}`
        await resetIssuer()
        const began = performance.now()
        const statuses = await burst(
          url,
          Array.from({ length: 200 }, () => repeated.RS256),
        )
        const burstMs = performance.now() - began
        const afterBurst = await issuerCounts()
        await resetIssuer()
        const flood: Record<string, number> = {}
        for (let wave = 0; wave < 10; wave++) {
          const tokens = Array.from({ length: 50 }, (_, i) => rogue({}, `unknown-${wave}-${i}`))
          for (const [status, n] of Object.entries(await burst(url, tokens))) {
            flood[status] = (flood[status] ?? 0) + n
          }
        }
        const afterFlood = await issuerCounts()
        const result: ColdStartResult = {
          id,
          label: entry.label,
          statuses,
          burstMs,
          jwksFetches: afterBurst.jwks ?? 0,
          metadataFetches: afterBurst.metadata ?? 0,
          floodStatuses: flood,
          floodJwksFetches: afterFlood.jwks ?? 0,
        }
        results.coldStart.push(result)
        log(
          `  ${id.padEnd(30)} burst ${JSON.stringify(statuses)} in ${burstMs.toFixed(0)} ms, JWKS fetches ${result.jwksFetches}; 500-token unknown-kid flood ${JSON.stringify(flood)}, JWKS fetches ${result.floodJwksFetches}`,
        )
        await server.stop()
      }
    }

    if (wanted('kid-flood') && pick([plain('scopeguard-express')]).length > 0) {
      // The flood above came within the cooldown that the first fetch started; this one comes
      // after it, when unknown kids may refetch again.
      const rogue = createSigner(keys.rogue, origin)
      const server = await startContender(plain('scopeguard-express'), 'RS256')
      running.push(server)
      const url = `http://127.0.0.1:${server.ready.port}`
      await burst(url, [repeated.RS256])
      log('\n== unknown-kid flood after the 30 s cooldown (scopeguard-express; waiting 31 s)')
      await new Promise((resolve) => setTimeout(resolve, 31_000))
      await resetIssuer()
      const statuses: Record<string, number> = {}
      for (let wave = 0; wave < 10; wave++) {
        const tokens = Array.from({ length: 50 }, (_, i) => rogue({}, `late-${wave}-${i}`))
        for (const [status, n] of Object.entries(await burst(url, tokens))) {
          statuses[status] = (statuses[status] ?? 0) + n
        }
      }
      const fetches = (await issuerCounts()).jwks ?? 0
      results.floodAfterCooldown = { id: 'scopeguard-express', statuses, jwksFetches: fetches }
      log(`  500-token unknown-kid flood ${JSON.stringify(statuses)}, JWKS fetches ${fetches}`)
      await server.stop()
    }

    if (wanted('memory')) {
      // The cache lives in the core, so one adapter shows its bound; name more with --contenders.
      const ids =
        options.contenders === undefined
          ? [plain('scopeguard-express')]
          : pick([plain('scopeguard-express'), plain('scopeguard-koa')])
      for (const entry of ids) {
        log(
          `\n== memory: ${options.memoryTokens.toLocaleString('en')} distinct EdDSA tokens through ${entry.id}`,
        )
        const server = await startContender(entry, 'EdDSA')
        running.push(server)
        const url = `http://127.0.0.1:${server.ready.port}`
        const fresh = { keysFile, issuer: origin }
        // Warm: JIT, the cache filled several times over, malloc arenas of the crypto threads.
        const warmCount = Math.min(100_000, Math.floor(options.memoryTokens / 10))
        await load({
          url,
          connections: options.connections,
          durationSec: 0,
          amount: warmCount,
          freshTokens: fresh,
        })
        await ask(server.child, { type: 'gc' })
        const warm = await stats(server)
        let peak = warm.rss
        const timeline: number[] = []
        const poll = setInterval(() => {
          stats(server).then(
            (s) => {
              peak = Math.max(peak, s.rss)
              timeline.push(Math.round((s.rss / 1048576) * 10) / 10)
            },
            () => {},
          )
        }, 2000)
        const began = performance.now()
        const result = await load({
          url,
          connections: options.connections,
          durationSec: 0,
          amount: options.memoryTokens - warmCount,
          freshTokens: fresh,
        })
        const seconds = (performance.now() - began) / 1000
        clearInterval(poll)
        const beforeGc = await stats(server)
        await ask(server.child, { type: 'gc' })
        const after = await stats(server)
        const memory: MemoryResult = {
          id: entry.id,
          label: entry.label,
          tokens: options.memoryTokens,
          warmTokens: warmCount,
          warmRssMb: warm.rss / 1048576,
          peakRssMb: Math.max(peak, beforeGc.rss) / 1048576,
          finalRssMb: after.rss / 1048576,
          warmHeapMb: warm.heapUsed / 1048576,
          finalHeapMb: after.heapUsed / 1048576,
          reqPerSec: (options.memoryTokens - warmCount) / seconds,
          non2xx: result.non2xx,
          rssTimelineMb: timeline,
        }
        results.memory.push(memory)
        log(
          `  warm RSS ${memory.warmRssMb.toFixed(1)} MB, peak ${memory.peakRssMb.toFixed(1)} MB, after GC ${memory.finalRssMb.toFixed(1)} MB; heap ${memory.warmHeapMb.toFixed(1)} → ${memory.finalHeapMb.toFixed(1)} MB; non-2xx ${memory.non2xx}`,
        )
        await server.stop()
      }
    }

    if (wanted('micro')) {
      log('\n== micro: the core verify path against jose.jwtVerify, same key, in one process')
      const micro = await start<object>('micro.js', [keysFile, origin, String(options.microOps)])
      running.push(micro)
      const rows = await ask<MicroResult[]>(micro.child, { type: 'run' })
      results.micro.push(...rows)
      for (const row of rows) {
        log(
          `  ${row.alg.padEnd(6)} ${row.mode.padEnd(12)} ${row.subject.padEnd(44)} ${row.opsPerSec.toFixed(0).padStart(7)} ops/s  ${row.usPerOp.toFixed(1).padStart(6)} µs/op`,
        )
      }
      await micro.stop()
    }

    results.finishedAt = new Date().toISOString()
    results.machine.loadAverageAfter = machine().loadAverage
    mkdirSync(dirname(options.out), { recursive: true })
    writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`)
    log('\n== targets')
    for (const target of targets(results)) {
      const verdict =
        target.met === undefined
          ? target.text.startsWith('(context)')
            ? ''
            : 'not measured'
          : target.met
            ? 'met'
            : 'not met'
      log(`  ${verdict.padEnd(12)} ${target.text}: ${target.measured}`)
    }
    log(`\nresults: ${options.out}`)
    if (options.docs) {
      const written = writeReport(results, join(root, 'docs'))
      log(`report: ${written.join(', ')}`)
    }
    log(`done in ${((Date.now() - began) / 60000).toFixed(1)} min`)
  } finally {
    await cleanup()
  }
}

await main()
