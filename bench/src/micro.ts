// The micro benchmark, in its own process: the core's verify path on distinct tokens against the
// physical limit (a synchronous node:crypto verify on an imported KeyObject plus the same claim
// checks) and jose.jwtVerify, one call at a time and 32 in flight; and the verified-token cache
// on a repeated token. Figures: ops/s and CPU µs per operation (process CPU, which includes
// libuv's thread pool), medians of 15 alternated rounds.
//
// Run by the benchmark runner over IPC, or on its own (after `pnpm build`):
//   node bench/dist/micro.js [ops per round, default 10000]
// which prints the table and whether `rs.verifyToken()` reaches 0.8x of the raw check.
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { createResourceServer } from '@scopeguard/core'
import { createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose'
import { serve } from './ipc.js'
import { AUDIENCE, createSigner, generateKeys, readKeys, type BenchKeys } from './keys.js'
import type { MicroResult } from './results.js'

const CONCURRENCY = 32
/** Distinct tokens per algorithm (cycled through). */
const POOL = 10_000
/** `rs.verifyToken()` must reach this share of the raw check's ops/s. */
const TARGET = 0.8
/**
 * Alternated rounds per subject; the median counts. Many short rounds rather than a few long
 * ones, so that every subject sees the same background load on a shared machine.
 */
const ROUNDS = 15

type Mode = MicroResult['mode']

interface Row extends MicroResult {
  cpuUsPerOp: number
}

interface Subject {
  name: string
  /** One verification of the next token (sync subjects return undefined). */
  run: (token: string) => unknown
  /** Whether it may be measured with several calls in flight. */
  concurrent: boolean
  /** Verifies the same token each time (cache hit). */
  repeated?: boolean
}

/**
 * The raw check: what a hand-written synchronous verifier does, and no less than the core
 * checks on these tokens — header JSON with the expected alg and kid, signature, payload JSON,
 * iss, aud, exp, nbf, iat.
 */
function rawCheck(
  key: KeyObject,
  alg: string,
  kid: string,
  issuer: string,
): (token: string) => void {
  const algorithm = alg === 'EdDSA' ? null : 'sha256'
  const input = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key
  return (token) => {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as {
      alg?: unknown
      kid?: unknown
    }
    if (header.alg !== alg || header.kid !== kid) throw new Error('header')
    const data = Buffer.from(token.slice(0, second), 'latin1')
    const signature = Buffer.from(token.slice(second + 1), 'base64url')
    if (!verify(algorithm, data, input, signature)) throw new Error('signature')
    const claims = JSON.parse(
      Buffer.from(token.slice(first + 1, second), 'base64url').toString(),
    ) as Record<string, unknown>
    const now = Math.floor(Date.now() / 1000)
    if (claims['iss'] !== issuer || claims['aud'] !== AUDIENCE) throw new Error('iss/aud')
    if (typeof claims['exp'] !== 'number' || claims['exp'] <= now - 5) throw new Error('exp')
    if (claims['nbf'] !== undefined && (claims['nbf'] as number) > now + 5) throw new Error('nbf')
    if (claims['iat'] !== undefined && typeof claims['iat'] !== 'number') throw new Error('iat')
  }
}

/** Runs `count` calls; returns ops/s and CPU µs per op. */
async function measure(
  subject: Subject,
  tokens: readonly string[],
  mode: Mode,
  count: number,
): Promise<{ opsPerSec: number; cpuUsPerOp: number }> {
  let next = 0
  const token = (): string => tokens[subject.repeated ? 0 : next++ % tokens.length] as string
  const cpu = process.cpuUsage()
  const started = performance.now()
  if (mode === 'sequential') {
    for (let i = 0; i < count; i++) {
      const pending = subject.run(token())
      if (pending !== undefined) await pending
    }
  } else {
    let issued = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued++ < count) await subject.run(token())
      }),
    )
  }
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { opsPerSec: count / seconds, cpuUsPerOp: (used.user + used.system) / count }
}

async function runFor(keys: BenchKeys, issuer: string, ops: number): Promise<Row[]> {
  const rows: Row[] = []
  for (const key of keys.keys) {
    const jwk = key.publicJwk as JWK
    const sign = createSigner(key, issuer)
    const tokens = Array.from({ length: Math.min(POOL, Math.max(ops, 1000)) }, () => sign())
    const localSet = createLocalJWKSet({ keys: [jwk] })
    const cryptoKey = await importJWK(jwk, key.alg)
    const options = { issuer, audience: AUDIENCE, algorithms: [key.alg] }
    const server = (cache: boolean) =>
      createResourceServer({
        issuer,
        audience: AUDIENCE,
        jwks: { keys: [jwk] },
        algorithms: [key.alg],
        dpop: 'disabled',
        logger: false,
        ...(cache ? {} : { cache: false as const }),
      })
    const uncached = server(false)
    const cached = server(true)
    const keyObject = createPublicKey({ key: jwk as never, format: 'jwk' })
    const subjects: Subject[] = [
      {
        name: 'raw node:crypto verify + claim checks',
        run: rawCheck(keyObject, key.alg, key.kid, issuer),
        concurrent: false,
      },
      {
        // Kept for the runner's report, whose micro table compares with it.
        name: 'jose.jwtVerify (imported key)',
        run: (token) => jwtVerify(token, cryptoKey, options),
        concurrent: true,
      },
      {
        name: 'jose.jwtVerify (createLocalJWKSet)',
        run: (token) => jwtVerify(token, localSet, options),
        concurrent: true,
      },
      {
        name: 'rs.verifyToken, cache: false',
        run: (token) => uncached.verifyToken(token),
        concurrent: true,
      },
      {
        name: 'rs.verifyToken, cache hit',
        run: (token) => cached.verifyToken(token),
        concurrent: true,
        repeated: true,
      },
    ]
    for (const mode of ['sequential', 'concurrent'] as const) {
      const measured = subjects.filter((s) => mode === 'sequential' || s.concurrent)
      for (const subject of measured) await measure(subject, tokens, mode, Math.max(500, ops / 5))
      // Subjects alternate within each round; the median round counts (per figure).
      const rounds = measured.map((): { opsPerSec: number; cpuUsPerOp: number }[] => [])
      const perRound = Math.max(200, Math.round((ops * 5) / ROUNDS))
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, subject] of measured.entries()) {
          rounds[i]?.push(await measure(subject, tokens, mode, perRound))
        }
      }
      for (const [i, subject] of measured.entries()) {
        const middle = (values: number[]): number =>
          values.sort((x, y) => x - y)[Math.floor(values.length / 2)] as number
        const median = {
          opsPerSec: middle((rounds[i] ?? []).map((r) => r.opsPerSec)),
          cpuUsPerOp: middle((rounds[i] ?? []).map((r) => r.cpuUsPerOp)),
        }
        rows.push({
          alg: key.alg,
          mode,
          subject: subject.name,
          opsPerSec: median.opsPerSec,
          usPerOp: 1e6 / median.opsPerSec,
          cpuUsPerOp: median.cpuUsPerOp,
        })
      }
    }
  }
  return rows
}

/**
 * The table, with each row's ratio to the raw check: by ops/s (the target's measure) and by CPU
 * per operation (steadier on a loaded machine, where wall-clock rates follow the scheduler).
 */
function report(rows: readonly Row[]): string {
  const lines = [
    `| alg | mode | subject | ops/s | CPU µs/op | × raw (ops/s) | × raw (CPU) |`,
    `|---|---|---|---:|---:|---:|---:|`,
  ]
  const verdicts: string[] = []
  for (const row of rows) {
    const raw = rows.find(
      (r) => r.alg === row.alg && r.mode === 'sequential' && r.subject.startsWith('raw'),
    )
    const ratio = raw === undefined ? NaN : row.opsPerSec / raw.opsPerSec
    const cpuRatio = raw === undefined ? NaN : raw.cpuUsPerOp / row.cpuUsPerOp
    lines.push(
      `| ${row.alg} | ${row.mode === 'sequential' ? '1 at a time' : `${CONCURRENCY} in flight`} | ${row.subject} | ${Math.round(row.opsPerSec)} | ${row.cpuUsPerOp.toFixed(1)} | ${ratio.toFixed(3)} | ${cpuRatio.toFixed(3)} |`,
    )
    if (row.subject === 'rs.verifyToken, cache: false') {
      verdicts.push(
        `${row.alg}, ${row.mode}: ${ratio.toFixed(3)}× the raw check's ops/s (${cpuRatio.toFixed(3)}× by CPU) — target ${TARGET}× ${ratio >= TARGET ? 'met' : 'NOT met'}`,
      )
    }
  }
  return [...lines, '', ...verdicts].join('\n')
}

if (process.send === undefined) {
  const ops = Number(process.argv[2] ?? 10_000)
  const rows = await runFor(generateKeys(), 'https://issuer.bench.test', ops)
  console.log(report(rows))
} else {
  const [keysFile, issuer, opsArg] = process.argv.slice(2) as [string, string, string]
  serve({ run: () => runFor(readKeys(keysFile), issuer, Number(opsArg)) })
  process.send({ ready: true })
}
