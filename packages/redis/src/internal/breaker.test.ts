import { describe, expect, it } from 'vitest'
import { NodeBreaker } from './breaker.js'

/** A probe whose answers the test gives, one per call. */
function probes() {
  const calls: { resolve: () => void; reject: () => void }[] = []
  const probe = () =>
    new Promise<void>((resolve, reject) => {
      calls.push({ resolve, reject: () => reject(new Error('down')) })
    })
  return { calls, probe }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
  expect(check()).toBe(true)
}

describe('NodeBreaker', () => {
  const settings = { failures: 3, probeIntervalMs: 1, probeTimeoutMs: 60_000 }

  it('opens after `failures` failures in a row; a success in between resets the count', () => {
    const { calls, probe } = probes()
    const breaker = new NodeBreaker(settings, probe, () => {})
    breaker.failed()
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    breaker.failed()
    expect(breaker.open).toBe(false)
    expect(calls).toHaveLength(0)
    breaker.failed()
    expect(breaker.open).toBe(true)
    expect(calls).toHaveLength(1) // probing starts at once
    breaker.dispose()
  })

  it('probes again after a failed probe (reporting each), and closes on the first answer', async () => {
    const { calls, probe } = probes()
    let reported = 0
    const breaker = new NodeBreaker(settings, probe, () => reported++)
    for (let i = 0; i < 3; i++) breaker.failed()
    calls[0]!.reject()
    await until(() => calls.length === 2)
    expect(reported).toBe(1)
    expect(breaker.open).toBe(true)
    // Failures while open change nothing.
    breaker.failed()
    expect(calls).toHaveLength(2)
    calls[1]!.resolve()
    await tick()
    expect(breaker.open).toBe(false)
    // Closed again: it takes `failures` new failures to open it.
    breaker.failed()
    breaker.failed()
    expect(breaker.open).toBe(false)
    breaker.dispose()
  })

  it('starts another probe when one is not answered in time, at most three unanswered; a late answer closes it', async () => {
    const { calls, probe } = probes()
    let reported = 0
    const breaker = new NodeBreaker(
      { failures: 1, probeIntervalMs: 1, probeTimeoutMs: 5 },
      probe,
      () => reported++,
    )
    breaker.failed()
    await until(() => calls.length === 3)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(calls).toHaveLength(3)
    expect(reported).toBeGreaterThanOrEqual(2)
    calls[0]!.resolve()
    await tick()
    expect(breaker.open).toBe(false)
    breaker.dispose()
  })

  it('stops probing once disposed', async () => {
    const { calls, probe } = probes()
    const breaker = new NodeBreaker(settings, probe, () => {})
    for (let i = 0; i < 3; i++) breaker.failed()
    breaker.dispose()
    calls[0]!.reject()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(calls).toHaveLength(1)
    expect(breaker.open).toBe(false)
    breaker.failed()
    expect(breaker.open).toBe(false)
  })
})
