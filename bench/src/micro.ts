// The micro benchmark, in its own process: the core's verify path (rs.verifyToken, cache off and
// cache hit) against a raw jose.jwtVerify with the same key, one call at a time and 64 at once.
import { createResourceServer } from '@scopeguard/core'
import { createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose'
import { serve } from './ipc.js'
import { AUDIENCE, createSigner, readKeys } from './keys.js'
import type { MicroResult } from './results.js'

const [keysFile, issuer, opsArg] = process.argv.slice(2) as [string, string, string]
const keys = readKeys(keysFile)
const ops = Number(opsArg)

async function measure(
  fn: () => Promise<unknown>,
  mode: 'sequential' | 'concurrent',
  count: number,
): Promise<number> {
  const started = performance.now()
  if (mode === 'sequential') {
    for (let i = 0; i < count; i++) await fn()
  } else {
    let next = 0
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next++ < count) await fn()
      }),
    )
  }
  return count / ((performance.now() - started) / 1000)
}

async function run(): Promise<MicroResult[]> {
  const rows: MicroResult[] = []
  for (const key of keys.keys) {
    const jwk = key.publicJwk as JWK
    const token = createSigner(key, issuer)()
    const cryptoKey = await importJWK(jwk, key.alg)
    const localSet = createLocalJWKSet({ keys: [jwk] })
    const options = { issuer, audience: AUDIENCE, algorithms: [key.alg] }
    const server = (cache: boolean) =>
      createResourceServer({
        issuer,
        audience: AUDIENCE,
        jwks: { keys: [jwk] },
        algorithms: [key.alg],
        logger: false,
        ...(cache ? {} : { cache: false as const }),
      })
    const uncached = server(false)
    const cached = server(true)
    const subjects: [string, () => Promise<unknown>][] = [
      ['jose.jwtVerify (imported key)', () => jwtVerify(token, cryptoKey, options)],
      ['jose.jwtVerify (createLocalJWKSet)', () => jwtVerify(token, localSet, options)],
      ['scopeguard rs.verifyToken, cache: false', () => uncached.verifyToken(token)],
      ['scopeguard rs.verifyToken, cache hit', () => cached.verifyToken(token)],
    ]
    for (const mode of ['sequential', 'concurrent'] as const) {
      for (const [, fn] of subjects) await measure(fn, mode, Math.max(200, ops / 5)) // warm-up
      // Subjects alternate within each of 5 rounds; the median round counts.
      const rates = subjects.map((): number[] => [])
      for (let round = 0; round < 5; round++) {
        for (const [i, [, fn]] of subjects.entries()) {
          ;(rates[i] as number[]).push(await measure(fn, mode, ops))
        }
      }
      for (const [i, [subject]] of subjects.entries()) {
        const sorted = (rates[i] as number[]).sort((x, y) => x - y)
        const opsPerSec = sorted[2] as number
        rows.push({ alg: key.alg, mode, subject, opsPerSec, usPerOp: 1e6 / opsPerSec })
      }
    }
  }
  return rows
}

serve({ run })
process.send?.({ ready: true })
