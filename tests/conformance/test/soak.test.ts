import { describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'

// The CI-sized variant of scripts/soak.mjs: a few seconds per example of mixed valid, invalid and
// distinct tokens. It checks behaviour, not speed: no 5xx, no transport errors, every kind of
// token answered as it should be, the server healthy afterwards and memory not running away.
interface SoakResult {
  requests: number
  serverErrors: number
  transportErrors: number
  byKind: Record<string, Record<string, number>>
  rssBeforeMb: number
  rssAfterMb: number
  healthyAfter: boolean
}

const script = new URL('../../../scripts/soak.mjs', import.meta.url).href
const { soak } = (await import(script)) as {
  soak(options: Record<string, unknown>): Promise<SoakResult>
}

/** The only status each kind of token may get. */
const EXPECTED: Record<string, string> = {
  valid: '200',
  distinct: '200',
  expired: '401',
  tampered: '401',
  unknown_kid: '401',
  missing_scope: '403',
  garbage: '401',
}

describe('soak (CI-sized)', () => {
  for (const adapter of ADAPTERS) {
    it(`example-${adapter.name}: 4 s of mixed traffic, zero 5xx, bounded memory`, async () => {
      const result = await soak({
        adapter: adapter.name,
        seconds: 4,
        concurrency: 8,
        distinct: 1500,
      })
      expect(result.requests).toBeGreaterThan(100)
      expect(result.serverErrors).toBe(0)
      expect(result.transportErrors).toBe(0)
      expect(result.healthyAfter).toBe(true)
      for (const [kind, statuses] of Object.entries(result.byKind)) {
        expect(Object.keys(statuses), kind).toEqual([EXPECTED[kind]])
      }
      // Loose on purpose: warm-up (JIT, first cache fills) costs tens of MB, a leak costs more.
      expect(result.rssAfterMb - result.rssBeforeMb).toBeLessThan(250)
    }, 90_000)
  }
})
