import type { ResourceServer } from '@scopeguard/core'
import { createTestDpopKey, type TestDpopKey, type TestIssuer } from '@scopeguard/testing'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bearer, call, type Answer, type Instance } from './example-process.js'
import { dedicatedRedis, type DedicatedRedis } from './redis.js'
import {
  contractEnv,
  issuerFor,
  PUBLIC_ORIGIN,
  revocationConsole,
  setUpOrFailEach,
  startInstances,
} from './setup.js'

/** The store's bound on every Redis command in the examples (the @scopeguard/redis default). */
const COMMAND_TIMEOUT_MS = 500
/**
 * A request not answered within this long hung. A liveness bound only: whether the answer came
 * from the command timeout is told by its status (a request that waited for Redis to come back
 * would succeed instead), never by how long it took.
 */
const LIMIT_MS = 10_000
const inAnHour = (): Date => new Date(Date.now() + 3_600_000)

function expectUnavailable(answer: Answer, label: string): void {
  expect(answer.status, label).toBe(503)
  expect(answer.body['error'], label).toBe('temporarily_unavailable')
}

/** Polls until `check` passes (the bound catches a hang only); returns how long that took. */
async function until(check: () => Promise<void>, ms: number): Promise<number> {
  const start = performance.now()
  for (;;) {
    try {
      await check()
      return performance.now() - start
    } catch (error) {
      if (performance.now() - start > ms) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

// Two example processes (Express and Koa) on a redis-server of this file's own, which is killed,
// paused and restarted under them. Neither process is ever restarted.
describe('example instances while their Redis fails', () => {
  let issuer: TestIssuer
  let redis: DedicatedRedis
  let instances: Instance[] = []
  let pids: number[] = []
  let console_: { rs: ResourceServer; close(): void } | undefined
  let dpop: TestDpopKey
  setUpOrFailEach(async () => {
    dpop = await createTestDpopKey()
    redis = await dedicatedRedis()
    issuer = await issuerFor()
    instances = await startInstances(
      [
        { example: 'express', label: 'A (express)' },
        { example: 'koa', label: 'B (koa)' },
      ],
      contractEnv(issuer, { redisUrl: redis.url, publicOrigin: PUBLIC_ORIGIN }),
    )
    pids = instances.map((instance) => instance.pid)
  })
  afterAll(async () => {
    console_?.close()
    await Promise.all(instances.map((instance) => instance.stop()))
    await issuer?.close()
    await redis?.stop()
  })
  beforeEach(() => issuer?.resetCounts())
  afterEach(async () => {
    await redis?.start() // a test that stopped it leaves it running again
  })

  /** Every instance answers 200 to a fresh JWT. */
  async function allServe(): Promise<void> {
    const token = await issuer.sign()
    for (const instance of instances) {
      const answer = await call(instance.origin, '/me', { headers: bearer(token) })
      expect(answer.status, instance.name).toBe(200)
    }
  }

  it('fails closed with 503 within the command timeout while Redis is down, and recovers without a restart', async () => {
    const jwt = await issuer.sign()
    const opaque = issuer.issueOpaque()
    const bound = await issuer.sign({ cnf: { jkt: dpop.jkt } })
    const meUrl = `${PUBLIC_ORIGIN}/me`
    for (const instance of instances) {
      expect((await call(instance.origin, '/me', { headers: bearer(jwt) })).status).toBe(200)
      expect((await call(instance.origin, '/me', { headers: bearer(opaque) })).status).toBe(200)
      const proof = await dpop.proof('GET', meUrl, bound)
      const answer = await call(instance.origin, '/me', { headers: dpop.headers(bound, proof) })
      expect(answer.status).toBe(200)
    }
    const proofs = await Promise.all(
      Array.from({ length: 10 * instances.length }, () => dpop.proof('GET', meUrl, bound)),
    )
    await redis.stop()

    // 30 concurrent requests per instance, JWT, opaque and DPoP, on a dead Redis: every one is
    // refused with 503 (the denylist cannot be read and the proof cannot be recorded, both fail
    // closed), none hanging: Redis stays down until they have all settled.
    const start = performance.now()
    const answers = await Promise.all(
      instances.flatMap((instance, i) =>
        Array.from({ length: 10 }, (_, j) => [
          call(instance.origin, '/me', { headers: bearer(jwt), limitMs: LIMIT_MS }),
          call(instance.origin, '/files', { headers: bearer(opaque), limitMs: LIMIT_MS }),
          call(instance.origin, '/me', {
            headers: dpop.headers(bound, proofs[i * 10 + j]!),
            limitMs: LIMIT_MS,
          }),
        ])
          .flat()
          .map(async (answer) => ({ instance: instance.name, answer: await answer })),
      ),
    )
    const elapsed = performance.now() - start
    console.info(
      `multi-instance: ${answers.length} requests on a dead Redis, slowest 503 in ${Math.round(Math.max(...answers.map(({ answer }) => answer.ms)))} ms, all in ${Math.round(elapsed)} ms`,
    )
    for (const { instance, answer } of answers) {
      expectUnavailable(answer, instance)
      expect(JSON.stringify(answer.body), instance).not.toContain(opaque)
    }
    for (const instance of instances) {
      expect((await call(instance.origin, '/health')).status, instance.name).toBe(200)
      expect(instance.output(), instance.name).toMatch(/lost the connection to Redis/)
    }

    await redis.start()
    const recoveredIn = await until(allServe, 20_000)
    console.info(
      `multi-instance: both instances served again ${Math.round(recoveredIn)} ms after Redis restarted`,
    )
    expect(instances.map((instance) => [instance.running(), instance.pid])).toEqual(
      pids.map((pid) => [true, pid]),
    )
    // Replay detection is back across instances: a proof accepted by one is refused by the other.
    const proof = await dpop.proof('GET', meUrl, bound)
    const [a, b] = instances as [Instance, Instance]
    expect((await call(a.origin, '/me', { headers: dpop.headers(bound, proof) })).status).toBe(200)
    const replay = await call(b.origin, '/me', { headers: dpop.headers(bound, proof) })
    expect([replay.status, replay.body['error']]).toEqual([401, 'invalid_dpop_proof'])
  })

  it('shares introspection and revocations again after Redis came back empty', async () => {
    // The previous test restarted Redis without persistence: nothing survived, and nothing
    // needs to, so the shared behaviour simply resumes on the same processes.
    await until(allServe, 20_000)
    issuer.resetCounts()
    const opaque = issuer.issueOpaque()
    for (const instance of instances) {
      expect((await call(instance.origin, '/me', { headers: bearer(opaque) })).status).toBe(200)
    }
    expect(issuer.requestCount('introspection')).toBe(1)
    console_ ??= await revocationConsole(issuer, redis.url)
    await console_.rs.revoke({ token: opaque, expiresAt: inAnHour() })
    for (const instance of instances) {
      const answer = await call(instance.origin, '/me', { headers: bearer(opaque) })
      expect([answer.status, answer.body['error']], instance.name).toEqual([401, 'invalid_token'])
    }
  })

  it('starts an instance while Redis is down, answers 503 until it is up, then serves', async () => {
    await redis.stop()
    const [late] = await startInstances(
      [{ example: 'express', label: 'L (express, started without Redis)' }],
      contractEnv(issuer, { redisUrl: redis.url, publicOrigin: PUBLIC_ORIGIN }),
    )
    instances.push(late!) // stopped with the others
    // Startup waits for Redis a while (5 s), then goes on without it (were it to wait for Redis,
    // startInstances would give up on the instance).
    expect(late!.output()).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ yet/)
    const jwt = await issuer.sign()
    expectUnavailable(
      await call(late!.origin, '/me', { headers: bearer(jwt), limitMs: LIMIT_MS }),
      late!.name,
    )
    expect((await call(late!.origin, '/health')).status).toBe(200)
    await redis.start()
    await until(async () => {
      expect((await call(late!.origin, '/me', { headers: bearer(jwt) })).status).toBe(200)
    }, 20_000)
    expect(late!.running()).toBe(true)
  })

  it('bounds every request by the command timeout while Redis hangs (connected, not answering)', async () => {
    await until(allServe, 20_000)
    const jwt = await issuer.sign()
    const bound = await issuer.sign({ cnf: { jkt: dpop.jkt } })
    const proofs = await Promise.all(
      Array.from({ length: 5 * instances.length }, () =>
        dpop.proof('GET', `${PUBLIC_ORIGIN}/me`, bound),
      ),
    )
    // Paused far longer than the command timeout: a request that waited for Redis would be
    // answered 200 once the pause ends, so each 503 is the timeout's.
    await redis.pause(8_000)
    const answers = await Promise.all(
      instances.flatMap((instance, i) =>
        Array.from({ length: 5 }, (_, j) => [
          call(instance.origin, '/me', { headers: bearer(jwt), limitMs: LIMIT_MS }),
          call(instance.origin, '/me', {
            headers: dpop.headers(bound, proofs[i * 5 + j]!),
            limitMs: LIMIT_MS,
          }),
        ])
          .flat()
          .map(async (answer) => ({ instance: instance.name, answer: await answer })),
      ),
    )
    const times = answers.map(({ answer }) => Math.round(answer.ms))
    console.info(
      `multi-instance: 503s while Redis hangs took ${Math.min(...times)}–${Math.max(...times)} ms`,
    )
    for (const { instance, answer } of answers) {
      expectUnavailable(answer, instance)
      // It waited for Redis, up to the command timeout, and no longer.
      expect(answer.ms, instance).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50)
    }
    // The pause ends: the same connections answer again.
    await until(allServe, 20_000)
  })
})
