// Signs a share of a distinct-token pool in a worker thread, so that pools of tens of thousands
// of RS256 tokens are signed on every core at once (RSA signing is ~1 ms a token).
import { parentPort, Worker, workerData } from 'node:worker_threads'
import { cpus } from 'node:os'
import { createSigner, type KeyMaterial } from './keys.js'

interface Job {
  key: KeyMaterial
  issuer: string
  count: number
}

/** `count` distinct tokens signed by `key`, the work split over one worker per core. */
export async function signMany(key: KeyMaterial, issuer: string, count: number): Promise<string[]> {
  const workers = Math.max(1, Math.min(cpus().length, Math.ceil(count / 1000)))
  const shares = Array.from(
    { length: workers },
    (_, i) => Math.floor(count / workers) + (i < count % workers ? 1 : 0),
  )
  const parts = await Promise.all(
    shares.map(
      (share) =>
        new Promise<string[]>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { key, issuer, count: share } satisfies Job,
          })
          worker.once('message', resolve)
          worker.once('error', reject)
          worker.once('exit', (code) => {
            if (code !== 0) reject(new Error(`sign worker exited with ${code}`))
          })
        }),
    ),
  )
  return parts.flat()
}

if (parentPort !== null) {
  const job = workerData as Job
  const sign = createSigner(job.key, job.issuer)
  parentPort.postMessage(Array.from({ length: job.count }, () => sign()))
}
