// The load generator, as its own process (so that its CPU is never counted as the server's):
// autocannon for throughput runs, a plain HTTP burst for the cold-start scenario.
import { readFileSync } from 'node:fs'
import { request as httpRequest, Agent } from 'node:http'
import autocannon from 'autocannon'
import { serve } from './ipc.js'
import { createSigner, readKeys } from './keys.js'

/** A throughput run. */
export interface LoadJob {
  url: string
  connections: number
  durationSec: number
  /** A JSON file with the tokens to cycle through, in order. */
  tokensFile?: string
  /** Sign a fresh EdDSA token for every request instead (needs keysFile and issuer). */
  freshTokens?: { keysFile: string; issuer: string }
  /** Stop after this many requests (instead of durationSec). */
  amount?: number
}

export interface LoadResult {
  requests: number
  reqPerSec: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  timeouts: number
}

function tokenSource(job: LoadJob): () => string {
  if (job.freshTokens !== undefined) {
    const keys = readKeys(job.freshTokens.keysFile)
    const key = keys.keys.find((k) => k.alg === 'EdDSA')
    if (key === undefined) throw new Error('no EdDSA key')
    const sign = createSigner(key, job.freshTokens.issuer)
    return () => sign()
  }
  const tokens = JSON.parse(readFileSync(job.tokensFile as string, 'utf8')) as string[]
  let next = 0
  return () => {
    const token = tokens[next] as string
    next = next + 1 === tokens.length ? 0 : next + 1
    return token
  }
}

function run(job: LoadJob): Promise<LoadResult> {
  const nextToken = tokenSource(job)
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...(job.amount === undefined ? { duration: job.durationSec } : { amount: job.amount }),
        timeout: 10,
        requests: [
          {
            method: 'GET',
            path: '/files',
            setupRequest: (req) => {
              req.headers = { authorization: `Bearer ${nextToken()}` }
              return req
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error)
        resolve({
          requests: result.requests.total,
          reqPerSec:
            job.amount === undefined
              ? result.requests.total / job.durationSec
              : result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        })
      },
    )
  })
}

/** Sends `count` requests at once (one socket each) and counts the answers by status. */
function burst(job: { url: string; tokens: string[] }): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity })
  const statuses: Record<string, number> = {}
  return Promise.all(
    job.tokens.map(
      (token) =>
        new Promise<void>((resolve) => {
          const req = httpRequest(
            `${job.url}/files`,
            { agent, headers: { authorization: `Bearer ${token}` }, timeout: 30_000 },
            (res) => {
              const key = String(res.statusCode)
              statuses[key] = (statuses[key] ?? 0) + 1
              res.resume()
              res.on('end', resolve)
            },
          )
          req.on('timeout', () => req.destroy(new Error('timeout')))
          req.on('error', () => {
            statuses.error = (statuses.error ?? 0) + 1
            resolve()
          })
          req.end()
        }),
    ),
  ).then(() => statuses)
}

/** A latency probe: one request at a time on one keep-alive connection. */
export interface ProbeJob {
  url: string
  path: string
  durationSec: number
  /** Pause between the end of one request and the start of the next, ms. */
  intervalMs: number
}

export interface ProbeResult {
  requests: number
  /** Latencies in ms (microsecond resolution). */
  p50: number
  p99: number
  max: number
  failures: number
}

/** Measures the latency of `GET path` for `durationSec`, sequentially (run it in its own process). */
async function probe(job: ProbeJob): Promise<ProbeResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const latencies: number[] = []
  let failures = 0
  const end = performance.now() + job.durationSec * 1000
  while (performance.now() < end) {
    const began = process.hrtime.bigint()
    const ok = await new Promise<boolean>((resolve) => {
      const req = httpRequest(`${job.url}${job.path}`, { agent, timeout: 10_000 }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(false))
      req.end()
    })
    if (ok) latencies.push(Number(process.hrtime.bigint() - began) / 1e6)
    else failures++
    await new Promise((resolve) => setTimeout(resolve, job.intervalMs))
  }
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const at = (q: number): number =>
    latencies.length === 0
      ? NaN
      : (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number)
  return {
    requests: latencies.length,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? NaN,
    failures,
  }
}

serve({
  run: (message) => run(message.job as LoadJob),
  probe: (message) => probe(message.job as ProbeJob),
  burst: (message) => burst(message.job as { url: string; tokens: string[] }),
})
process.send?.({ ready: true })
