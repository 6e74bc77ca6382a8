import type { ResourceServer } from '@scopeguard/core'
import { createTestDpopKey, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { bearer, call, type Instance } from './example-process.js'
import { clusterRedis, singleRedis, type SharedRedis } from './redis.js'
import {
  contractEnv,
  issuerFor,
  PUBLIC_ORIGIN,
  revocationConsole,
  setUpOrFailEach,
  startInstances,
} from './setup.js'

const inAnHour = (): Date => new Date(Date.now() + 3_600_000)

const ONE_OF_EACH = [
  { example: 'express', label: 'A (express)' },
  { example: 'koa', label: 'C (koa)' },
  { example: 'nestjs', label: 'D (nestjs)' },
  { example: 'passport', label: 'E (passport)' },
  { example: 'hono', label: 'F (hono)' },
  { example: 'fastify', label: 'G (fastify)' },
] as const

// Example processes configured only through the examples contract, with the same Redis and
// PUBLIC_ORIGIN, as N instances behind a load balancer would be: on one Redis (REDIS_URL), seven
// (two Express, Koa, NestJS, Passport, Hono, Fastify) and an eighth (Express) without Redis, the control that
// shows the sharing goes through Redis; then the main cases once more on the three-node Redis
// Cluster (REDIS_CLUSTER_NODES), with one instance of each adapter.
describe.each([
  {
    topology: 'one Redis (REDIS_URL)',
    redis: singleRedis,
    specs: [
      ...ONE_OF_EACH.slice(0, 1),
      { example: 'express', label: 'B (express)' },
      ...ONE_OF_EACH.slice(1),
    ],
    control: true,
  },
  {
    topology: 'a Redis Cluster (REDIS_CLUSTER_NODES)',
    redis: clusterRedis,
    specs: ONE_OF_EACH,
    control: false,
  },
] as const)(
  'several example instances sharing $topology',
  ({ redis: connectRedis, specs, control }) => {
    let issuer: TestIssuer
    let redis: SharedRedis
    let shared: Instance[] = []
    let alone: Instance | undefined
    let console_: { rs: ResourceServer; close(): void } | undefined
    setUpOrFailEach(async () => {
      redis = await connectRedis()
      issuer = await issuerFor()
      const [instances, controls] = await Promise.all([
        startInstances(specs, contractEnv(issuer, { publicOrigin: PUBLIC_ORIGIN, env: redis.env })),
        control
          ? startInstances(
              [{ example: 'express', label: 'F (express, no Redis)' }],
              contractEnv(issuer, { publicOrigin: PUBLIC_ORIGIN }),
            )
          : [],
      ])
      shared = instances
      alone = controls[0]
      console_ = await revocationConsole(issuer, redis)
    })
    afterAll(async () => {
      console_?.close()
      await Promise.all([...shared, ...(alone ? [alone] : [])].map((instance) => instance.stop()))
      await issuer?.close()
    })
    beforeEach(() => issuer?.resetCounts())

    it('connected every shared instance to Redis at startup', () => {
      expect(shared).toHaveLength(specs.length)
      for (const instance of shared)
        expect(instance.output(), instance.name).toMatch(redis.connectedLine)
      if (control) expect(alone?.output()).not.toMatch(/Redis/)
    })

    it('introspects an opaque token once for all instances', async () => {
      const token = issuer.issueOpaque({ sub: 'alice' }, { scope: 'files:read' })
      for (const instance of shared) {
        const answer = await call(instance.origin, '/me', { headers: bearer(token) })
        expect([answer.status, answer.body['sub']], instance.name).toEqual([200, 'alice'])
        expect(issuer.requestCount('introspection'), instance.name).toBe(1)
      }
      const files = await call(shared[2]!.origin, '/files', { headers: bearer(token) })
      expect(files.status).toBe(200)
      expect(issuer.requestCount('introspection')).toBe(1)
      if (!control) return
      // The instance without Redis has its own cache, so it asks again.
      expect((await call(alone!.origin, '/me', { headers: bearer(token) })).status).toBe(200)
      expect(issuer.requestCount('introspection')).toBe(2)
    })

    it('shares an inactive answer: a token revoked at the issuer is refused by all after one introspection', async () => {
      const token = issuer.issueOpaque()
      issuer.revoke(token)
      for (const instance of shared) {
        const answer = await call(instance.origin, '/me', { headers: bearer(token) })
        expect([answer.status, answer.body['error']], instance.name).toEqual([401, 'invalid_token'])
        expect(answer.headers.get('www-authenticate'), instance.name).toMatch(
          /error="invalid_token"/,
        )
      }
      expect(issuer.requestCount('introspection')).toBe(1)
    })

    it('honours on every instance a revocation by jti made through another resource server on the Redis', async () => {
      const revoked = await issuer.sign({ jti: `revoked-${crypto.randomUUID()}` })
      const other = await issuer.sign()
      for (const instance of shared) {
        expect((await call(instance.origin, '/me', { headers: bearer(revoked) })).status).toBe(200)
      }
      const jti = JSON.parse(Buffer.from(revoked.split('.')[1]!, 'base64url').toString())['jti']
      await console_!.rs.revoke({ jti, expiresAt: inAnHour() })
      for (const instance of shared) {
        const answer = await call(instance.origin, '/me', { headers: bearer(revoked) })
        expect(answer.status, instance.name).toBe(401)
        expect(answer.body, instance.name).toEqual({
          error: 'invalid_token',
          error_description: 'The access token was revoked',
        })
        expect((await call(instance.origin, '/me', { headers: bearer(other) })).status).toBe(200)
      }
      // The denylist lives in Redis: the instance without it never hears of the revocation.
      if (control) {
        expect((await call(alone!.origin, '/me', { headers: bearer(revoked) })).status).toBe(200)
      }
    })

    it('honours a revocation of an opaque token by value although its active answer is cached', async () => {
      const token = issuer.issueOpaque()
      expect((await call(shared[0]!.origin, '/me', { headers: bearer(token) })).status).toBe(200)
      await console_!.rs.revoke({ token, expiresAt: inAnHour() })
      for (const instance of shared) {
        const answer = await call(instance.origin, '/me', { headers: bearer(token) })
        expect([answer.status, answer.body['error']], instance.name).toEqual([401, 'invalid_token'])
      }
      // The denylist is checked before the cached answer is used: no new introspection needed.
      expect(issuer.requestCount('introspection')).toBe(1)
    })

    it('sees a revocation at the issuer only once the shared cached answer expires; the denylist acts at once', async () => {
      const token = issuer.issueOpaque()
      expect((await call(shared[0]!.origin, '/me', { headers: bearer(token) })).status).toBe(200)
      issuer.revoke(token)
      // The active answer is cached in Redis (until exp, at most maxTtlSeconds): every instance
      // still accepts the token, alike, without asking the issuer again.
      for (const instance of shared) {
        expect((await call(instance.origin, '/me', { headers: bearer(token) })).status).toBe(200)
      }
      expect(issuer.requestCount('introspection')).toBe(1)
      // The remedy when revoking at the issuer: revoke through the denylist too.
      await console_!.rs.revoke({ token, expiresAt: inAnHour() })
      for (const instance of shared) {
        expect((await call(instance.origin, '/me', { headers: bearer(token) })).status).toBe(401)
      }
    })

    it('refuses on every other instance a DPoP proof one accepted, and accepts a raced proof once', async () => {
      const key = await createTestDpopKey()
      const token = await issuer.sign({ cnf: { jkt: key.jkt } })
      const [first, ...others] = shared as [Instance, ...Instance[]]
      const proof = await key.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
      expect((await call(first.origin, '/me', { headers: key.headers(token, proof) })).status).toBe(
        200,
      )
      for (const instance of others) {
        const replay = await call(instance.origin, '/me', { headers: key.headers(token, proof) })
        expect([replay.status, replay.body['error']], instance.name).toEqual([
          401,
          'invalid_dpop_proof',
        ])
      }
      const raced = await key.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
      const answers = await Promise.all(
        shared.map((instance) =>
          call(instance.origin, '/me', { headers: key.headers(token, raced) }),
        ),
      )
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, ...others.map(() => 401)])
    })

    it('publishes the same protected resource metadata on every instance, on PUBLIC_ORIGIN', async () => {
      const documents = []
      for (const instance of shared) {
        const answer = await call(instance.origin, '/.well-known/oauth-protected-resource')
        expect(answer.status, instance.name).toBe(200)
        expect(answer.body['resource'], instance.name).toBe(PUBLIC_ORIGIN)
        documents.push(answer.body)
        // Challenges point at the document through the public origin, not the instance.
        const challenge = (await call(instance.origin, '/me')).headers.get('www-authenticate')
        expect(challenge, instance.name).toContain(
          `resource_metadata="${PUBLIC_ORIGIN}/.well-known/oauth-protected-resource"`,
        )
      }
      for (const document of documents) expect(document).toEqual(documents[0])
    })

    it('kept every instance running through the whole file', async () => {
      for (const instance of [...shared, ...(alone ? [alone] : [])]) {
        expect(instance.running(), instance.name).toBe(true)
        expect((await call(instance.origin, '/health')).status, instance.name).toBe(200)
      }
    })
  },
)
