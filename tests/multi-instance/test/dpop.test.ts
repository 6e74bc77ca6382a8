import { createTestDpopKey, type TestDpopKey, type TestIssuer } from '@scopeguard/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { call, type Answer, type Instance } from './example-process.js'
import { sharedRedisUrl } from './redis.js'
import { contractEnv, issuerFor, PUBLIC_ORIGIN, setUpOrFailEach, startInstances } from './setup.js'

/** A 401 refusing the proof, with the DPoP challenge saying why. */
function expectRefusedProof(answer: Answer, description: RegExp, label: string): void {
  expect(answer.status, label).toBe(401)
  expect(answer.body['error'], label).toBe('invalid_dpop_proof')
  expect(String(answer.body['error_description']), label).toMatch(description)
  expect(answer.headers.get('www-authenticate'), label).toMatch(
    /DPoP [^]*error="invalid_dpop_proof"/,
  )
}

// DPoP (RFC 9449) across five example processes (two Express, Koa, NestJS, Passport) behind one
// public origin, sharing one Redis; and one Express instance with the same Redis but no
// PUBLIC_ORIGIN.
describe('DPoP across example instances sharing one Redis', () => {
  let issuer: TestIssuer
  let shared: Instance[] = []
  let ownOrigin: Instance | undefined
  let client: TestDpopKey
  let token: string
  setUpOrFailEach(async () => {
    const redisUrl = await sharedRedisUrl()
    issuer = await issuerFor()
    const [instances, [withoutPublicOrigin]] = await Promise.all([
      startInstances(
        [
          { example: 'express', label: 'A (express)' },
          { example: 'express', label: 'B (express)' },
          { example: 'koa', label: 'C (koa)' },
          { example: 'nestjs', label: 'D (nestjs)' },
          { example: 'passport', label: 'E (passport)' },
          { example: 'fastify', label: 'G (fastify)' },
          { example: 'hono', label: 'H (hono)' },
        ],
        contractEnv(issuer, { redisUrl, publicOrigin: PUBLIC_ORIGIN }),
      ),
      startInstances(
        [{ example: 'express', label: 'F (express, no PUBLIC_ORIGIN)' }],
        contractEnv(issuer, { redisUrl }),
      ),
    ])
    shared = instances
    ownOrigin = withoutPublicOrigin
    client = await createTestDpopKey()
    token = await issuer.sign({ cnf: { jkt: client.jkt } }, { scope: 'files:read' })
  })
  afterAll(async () => {
    await Promise.all([...shared, ...(ownOrigin ? [ownOrigin] : [])].map((i) => i.stop()))
    await issuer?.close()
  })

  it('refuses on every other instance a proof one instance accepted (a replay)', async () => {
    const [a, b, ...others] = shared as [Instance, Instance, ...Instance[]]
    const proof = await client.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
    const first = await call(a.origin, '/me', { headers: client.headers(token, proof) })
    expect([first.status, first.body['sub']], a.name).toEqual([200, 'user-123'])
    for (const instance of [b, ...others, a]) {
      const replay = await call(instance.origin, '/me', { headers: client.headers(token, proof) })
      expectRefusedProof(replay, /already used/, instance.name)
    }
    // A fresh proof from the same key is fine on any instance.
    const fresh = await client.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
    expect((await call(b.origin, '/me', { headers: client.headers(token, fresh) })).status).toBe(
      200,
    )
  })

  it('accepts one proof sent to every instance at once exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const proof = await client.proof('GET', `${PUBLIC_ORIGIN}/files`, token)
      const answers = await Promise.all(
        shared.map((instance) =>
          call(instance.origin, '/files', { headers: client.headers(token, proof) }),
        ),
      )
      const statuses = answers.map((answer) => answer.status).sort()
      expect(statuses, `round ${round}`).toEqual([200, ...shared.slice(1).map(() => 401)])
    }
  })

  it('with PUBLIC_ORIGIN, accepts proofs for the public URL on every instance and refuses ones for its own address', async () => {
    for (const instance of shared) {
      const publicProof = await client.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
      const accepted = await call(instance.origin, '/me', {
        headers: client.headers(token, publicProof),
      })
      expect(accepted.status, instance.name).toBe(200)
      const ownProof = await client.proof('GET', `${instance.origin}/me`, token)
      const refused = await call(instance.origin, '/me', {
        headers: client.headers(token, ownProof),
      })
      expectRefusedProof(refused, /another URL/, instance.name)
    }
  })

  it('without PUBLIC_ORIGIN, checks htu against the instance’s own address instead', async () => {
    const instance = ownOrigin!
    const ownProof = await client.proof('GET', `${instance.origin}/me`, token)
    expect(
      (await call(instance.origin, '/me', { headers: client.headers(token, ownProof) })).status,
    ).toBe(200)
    const publicProof = await client.proof('GET', `${PUBLIC_ORIGIN}/me`, token)
    const refused = await call(instance.origin, '/me', {
      headers: client.headers(token, publicProof),
    })
    expectRefusedProof(refused, /another URL/, instance.name)
  })
})

// Server-provided nonces (RFC 9449 §9, OAUTH_DPOP_NONCE=on) kept in the store: with REDIS_URL a
// nonce handed out by one instance is valid on every other.
describe('DPoP nonces across example instances sharing one Redis', () => {
  let issuer: TestIssuer
  let shared: Instance[] = []
  let alone: Instance | undefined
  let client: TestDpopKey
  let token: string
  setUpOrFailEach(async () => {
    const redisUrl = await sharedRedisUrl()
    issuer = await issuerFor()
    const nonces = { OAUTH_DPOP_NONCE: 'on' }
    const [instances, [withoutRedis]] = await Promise.all([
      startInstances(
        [
          { example: 'express', label: 'A (express)' },
          { example: 'koa', label: 'B (koa)' },
        ],
        contractEnv(issuer, { redisUrl, publicOrigin: PUBLIC_ORIGIN, env: nonces }),
      ),
      startInstances(
        [{ example: 'express', label: 'C (express, no Redis)' }],
        contractEnv(issuer, { publicOrigin: PUBLIC_ORIGIN, env: nonces }),
      ),
    ])
    shared = instances
    alone = withoutRedis
    client = await createTestDpopKey()
    token = await issuer.sign({ cnf: { jkt: client.jkt } })
  })
  afterAll(async () => {
    await Promise.all([...shared, ...(alone ? [alone] : [])].map((i) => i.stop()))
    await issuer?.close()
  })

  it('accepts on one instance the nonce another handed out', async () => {
    const [a, b] = shared as [Instance, Instance]
    const url = `${PUBLIC_ORIGIN}/me`
    const asked = await call(a.origin, '/me', {
      headers: client.headers(token, await client.proof('GET', url, token)),
    })
    expect([asked.status, asked.body['error']]).toEqual([401, 'use_dpop_nonce'])
    const nonce = asked.headers.get('dpop-nonce')
    expect(nonce).toMatch(/^[\w-]{16,}$/)
    const proof = await client.proof('GET', url, token, nonce!)
    const answer = await call(b.origin, '/me', { headers: client.headers(token, proof) })
    expect(answer.status, b.name).toBe(200)
    // The same nonce, a fresh proof, on the first instance too.
    const again = await client.proof('GET', url, token, nonce!)
    expect((await call(a.origin, '/me', { headers: client.headers(token, again) })).status).toBe(
      200,
    )
    // Nonces live in Redis: the instance with a store of its own never handed this one out.
    const elsewhere = await client.proof('GET', url, token, nonce!)
    const refused = await call(alone!.origin, '/me', { headers: client.headers(token, elsewhere) })
    expect([refused.status, refused.body['error']]).toEqual([401, 'use_dpop_nonce'])
    expect(refused.headers.get('dpop-nonce')).not.toBe(nonce)
  })
})
