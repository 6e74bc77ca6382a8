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
      for (const [subject, fn] of subjects) {
        await measure(fn, mode, Math.max(200, ops / 5)) // warm-up
        const opsPerSec = await measure(fn, mode, ops)
        rows.push({ alg: key.alg, mode, subject, opsPerSec, usPerOp: 1e6 / opsPerSec })
      }
    }
  }
  return rows
}

serve({ run })
process.send?.({ ready: true })
