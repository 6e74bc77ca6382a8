#!/usr/bin/env node
// Soak test: starts the test issuer and one example server (loopback only), drives it for a fixed
// time with a mix of valid, invalid and distinct tokens, and reports throughput, answers by
// status, the 5xx count (must be zero) and the example's memory before and after. Stops by itself.
//
//   node scripts/soak.mjs [--adapter express|koa|nestjs|passport] [--seconds 60]
//                         [--concurrency 16] [--distinct 15000] [--mode jwt|opaque] [--json]
//
// Needs a build (`turbo run build`). Exits non-zero when any 5xx or transport error occurred.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const AUDIENCE = 'http://api.soak.test'
const CLIENT = { clientId: 'soak-api', clientSecret: 'soak-secret-0123456789abcdef' }

/** Resident set size of a process in bytes (Linux /proc; elsewhere `ps`). */
async function rssOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1])
    if (Number.isFinite(kb)) return kb * 1024
  } catch {
    // not Linux: fall back to ps
  }
  const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)])
  let out = ''
  ps.stdout.on('data', (chunk) => (out += chunk))
  await once(ps, 'exit')
  return Number(out.trim()) * 1024
}

async function startExample(adapter, env) {
  const server = `${root}examples/${adapter}/dist/server.js`
  const child = spawn(process.execPath, [server], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const deadline = Date.now() + 20_000
  for (;;) {
    const origin = /listening on (http:\/\/\S+)/.exec(output)?.[1]
    if (origin) return { child, origin, output: () => output }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`example-${adapter} did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function get(agent, origin, path, token) {
  const url = new URL(path, origin)
  return new Promise((resolve) => {
    const req = request(
      url,
      { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      },
    )
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
    req.on('error', () => resolve(0))
    req.end()
  })
}

/**
 * Runs one soak and returns its figures. `seconds` of traffic after a short warm-up; the caches of
 * the example are bounded by entry count, so with more distinct tokens than entries memory must
 * level off.
 */
export async function soak(options = {}) {
  const adapter = options.adapter ?? 'express'
  const seconds = options.seconds ?? 60
  const concurrency = options.concurrency ?? 16
  const distinctCount = options.distinct ?? 15_000
  const mode = options.mode ?? 'jwt'
  const log = options.log ?? (() => {})
  const testing = await import(pathToFileURL(`${root}packages/testing/dist/index.js`).href)

  const issuer = await testing.createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
  const env = {
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: AUDIENCE,
    ...(mode === 'opaque'
      ? { OAUTH_CLIENT_ID: CLIENT.clientId, OAUTH_CLIENT_SECRET: CLIENT.clientSecret }
      : {}),
  }
  const example = await startExample(adapter, env)
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  try {
    const mint = (claims, signOptions) =>
      mode === 'opaque'
        ? Promise.resolve(issuer.issueOpaque(claims, signOptions))
        : issuer.sign(claims, { alg: 'ES256', ...signOptions })
    log(`soak: preparing ${distinctCount} distinct tokens (${mode})`)
    const valid = await Promise.all(
      Array.from({ length: 50 }, () => mint({ scope: 'files:read' }, { expiresIn: 3600 })),
    )
    const distinct = []
    for (let i = 0; i < distinctCount; i++) {
      distinct.push(await mint({ scope: 'files:read', sub: `user-${i}` }, { expiresIn: 3600 }))
    }
    const expired = await mint({ scope: 'files:read' }, { expiresIn: -600 })
    const readOnly = await mint({ scope: 'other' }, { expiresIn: 3600 })
    const tampered =
      mode === 'opaque' ? 'opaque-unknown-token-0123456789' : testing.tamper(valid[0])
    const unknownKid =
      mode === 'opaque'
        ? 'another-unknown-token-abcdef'
        : await issuer.sign({ scope: 'files:read' }, { kid: 'soak-junk-kid' })
    // The mix: 40 % valid (hot tokens), 30 % distinct (cache churn), 30 % invalid of five kinds.
    const kinds = [
      ['valid', 40, () => valid[Math.floor(Math.random() * valid.length)]],
      ['distinct', 30, (n) => distinct[n % distinct.length]],
      ['expired', 6, () => expired],
      ['tampered', 6, () => tampered],
      ['unknown_kid', 6, () => unknownKid],
      ['missing_scope', 6, () => readOnly],
      ['garbage', 6, (n) => `garbage-${n}`],
    ]
    const weights = kinds.reduce((sum, [, w]) => sum + w, 0)
    const pick = () => {
      let r = Math.random() * weights
      for (const kind of kinds) if ((r -= kind[1]) < 0) return kind
      return kinds[0]
    }

    // Warm-up, then the baseline memory figure.
    for (let i = 0; i < 200; i++)
      await get(agent, example.origin, '/files', valid[i % valid.length])
    const rssBefore = await rssOf(example.child.pid)
    log(`soak: ${adapter}, ${seconds} s, concurrency ${concurrency}`)

    const statuses = {}
    const byKind = {}
    let requests = 0
    let distinctIndex = 0
    let transportErrors = 0
    let rssPeak = rssBefore
    const samples = []
    const started = Date.now()
    const end = started + seconds * 1000
    let ticks = 0
    const sampler = setInterval(async () => {
      const rss = await rssOf(example.child.pid)
      rssPeak = Math.max(rssPeak, rss)
      // One sample per tenth of the run, to show whether memory levels off.
      if (++ticks % Math.max(1, Math.round(seconds / 10)) === 0) {
        samples.push(Number((rss / 2 ** 20).toFixed(1)))
      }
    }, 1000)
    async function worker() {
      while (Date.now() < end) {
        const [kind, , token] = pick()
        const status = await get(
          agent,
          example.origin,
          '/files',
          token(kind === 'distinct' ? distinctIndex++ : requests),
        )
        requests += 1
        if (status === 0) transportErrors += 1
        statuses[status] = (statuses[status] ?? 0) + 1
        byKind[kind] ??= {}
        byKind[kind][status] = (byKind[kind][status] ?? 0) + 1
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
    clearInterval(sampler)
    const elapsed = (Date.now() - started) / 1000
    const rssAfter = await rssOf(example.child.pid)
    const health = await get(agent, example.origin, '/health')
    const serverErrors = Object.entries(statuses)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, count]) => sum + count, 0)
    return {
      adapter,
      mode,
      seconds: Number(elapsed.toFixed(1)),
      concurrency,
      requests,
      throughput: Math.round(requests / elapsed),
      statuses,
      byKind,
      serverErrors,
      transportErrors,
      distinctTokensSent: distinctIndex,
      rssBeforeMb: Number((rssBefore / 2 ** 20).toFixed(1)),
      rssAfterMb: Number((rssAfter / 2 ** 20).toFixed(1)),
      rssPeakMb: Number((Math.max(rssPeak, rssAfter) / 2 ** 20).toFixed(1)),
      rssSamplesMb: samples,
      healthyAfter: health === 200,
    }
  } finally {
    agent.destroy()
    example.child.kill('SIGTERM')
    const timer = setTimeout(() => example.child.kill('SIGKILL'), 5000)
    await once(example.child, 'exit').catch(() => {})
    clearTimeout(timer)
    await issuer.close()
  }
}

function parseArgs(argv) {
  const options = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const next = argv[++i]
      if (next === undefined) throw new Error(`${arg} needs a value`)
      return next
    }
    if (arg === '--adapter') options.adapter = value()
    else if (arg === '--seconds') options.seconds = Number(value())
    else if (arg === '--concurrency') options.concurrency = Number(value())
    else if (arg === '--distinct') options.distinct = Number(value())
    else if (arg === '--mode') options.mode = value()
    else if (arg === '--json') options.json = true
    else throw new Error(`unknown argument ${arg}`)
  }
  if (options.adapter && !['express', 'koa', 'nestjs', 'passport'].includes(options.adapter)) {
    throw new Error('--adapter must be express, koa, nestjs or passport')
  }
  if (options.mode && !['jwt', 'opaque'].includes(options.mode)) {
    throw new Error('--mode must be jwt or opaque')
  }
  for (const key of ['seconds', 'concurrency', 'distinct']) {
    if (options[key] !== undefined && !(Number.isFinite(options[key]) && options[key] > 0)) {
      throw new Error(`--${key} must be a positive number`)
    }
  }
  if (options.seconds > 3600) throw new Error('--seconds is capped at 3600')
  return options
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let options
  try {
    options = parseArgs(process.argv.slice(2))
  } catch (error) {
    console.error(`soak: ${error.message}`)
    process.exit(2)
  }
  const result = await soak({ ...options, log: (line) => console.error(line) })
  if (options.json) console.log(JSON.stringify(result, null, 2))
  else {
    console.log(
      [
        `adapter        ${result.adapter} (${result.mode} tokens)`,
        `duration       ${result.seconds} s, concurrency ${result.concurrency}`,
        `requests       ${result.requests} (${result.throughput} req/s)`,
        `statuses       ${JSON.stringify(result.statuses)}`,
        `5xx            ${result.serverErrors}`,
        `transport err  ${result.transportErrors}`,
        `distinct sent  ${result.distinctTokensSent}`,
        `RSS            ${result.rssBeforeMb} MB before, ${result.rssAfterMb} MB after, ${result.rssPeakMb} MB peak`,
        `RSS over time  ${result.rssSamplesMb.join(', ')} MB`,
        `healthy after  ${result.healthyAfter}`,
      ].join('\n'),
    )
  }
  process.exit(
    result.serverErrors === 0 && result.transportErrors === 0 && result.healthyAfter ? 0 : 1,
  )
}
