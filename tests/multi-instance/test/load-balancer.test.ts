import type { ResourceServer } from '@scopeguard/core'
import { createTestDpopKey, type TestDpopKey, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { bearer, call, type Instance } from './example-process.js'
import { startLoadBalancer, type LoadBalancer } from './load-balancer.js'
import { sharedRedisUrl } from './redis.js'
import {
  contractEnv,
  issuerFor,
  revocationConsole,
  setUpOrFailEach,
  startInstances,
} from './setup.js'

// The production layout in miniature: a round-robin load balancer on loopback (its origin is
// PUBLIC_ORIGIN) in front of three example processes (Express, Koa, Express) sharing one Redis.
// The client only ever talks to the load balancer, so consecutive requests land on different
// instances.
describe('example instances behind a load balancer', () => {
  let issuer: TestIssuer
  let balancer: LoadBalancer
  let instances: Instance[] = []
  let console_: { rs: ResourceServer; close(): void } | undefined
  let client: TestDpopKey
  setUpOrFailEach(async () => {
    const redisUrl = await sharedRedisUrl()
    issuer = await issuerFor()
    balancer = await startLoadBalancer()
    instances = await startInstances(
      [
        { example: 'express', label: 'A' },
        { example: 'koa', label: 'B' },
        { example: 'express', label: 'C' },
      ],
      contractEnv(issuer, { redisUrl, publicOrigin: balancer.origin }),
    )
    balancer.route(instances.map(({ name, origin }) => ({ name, origin })))
    console_ = await revocationConsole(issuer, redisUrl)
    client = await createTestDpopKey()
  })
  afterAll(async () => {
    console_?.close()
    await balancer?.close()
    await Promise.all(instances.map((instance) => instance.stop()))
    await issuer?.close()
  })
  beforeEach(() => issuer?.resetCounts())

  /** GET through the load balancer; returns the answer and which instance served it. */
  async function get(path: string, headers: Record<string, string>) {
    const answer = await call(balancer.origin, path, { headers })
    return { ...answer, servedBy: answer.headers.get('x-served-by') }
  }

  it('introspects an opaque token once, whichever instance serves each request', async () => {
    const token = issuer.issueOpaque({ sub: 'bob' }, { scope: 'files:read' })
    const served = new Set<string | null>()
    for (let i = 0; i < 6; i++) {
      const answer = await get(i % 2 ? '/files' : '/me', bearer(token))
      expect(answer.status).toBe(200)
      served.add(answer.servedBy)
    }
    expect([...served].sort()).toEqual(['A', 'B', 'C'])
    expect(issuer.requestCount('introspection')).toBe(1)
  })

  it('accepts DPoP proofs made for the public URL on every instance, and each only once', async () => {
    const token = await issuer.sign({ cnf: { jkt: client.jkt } }, { scope: 'files:read' })
    const proofs: string[] = []
    const served = new Set<string | null>()
    for (let i = 0; i < 6; i++) {
      const proof = await client.proof('GET', `${balancer.origin}/files`, token)
      proofs.push(proof)
      const answer = await get('/files', client.headers(token, proof))
      expect(answer.status, `request ${i} on ${answer.servedBy}`).toBe(200)
      served.add(answer.servedBy)
    }
    expect([...served].sort()).toEqual(['A', 'B', 'C'])
    // Replayed through the balancer, each proof reaches another instance than the one that
    // accepted it (three backends, round robin, six proofs): refused there all the same.
    for (const proof of proofs) {
      const replay = await get('/files', client.headers(token, proof))
      expect([replay.status, replay.body['error']], `replay on ${replay.servedBy}`).toEqual([
        401,
        'invalid_dpop_proof',
      ])
    }
  })

  it('serves the metadata through the balancer with its origin as the resource', async () => {
    const answer = await get('/.well-known/oauth-protected-resource', {})
    expect([answer.status, answer.body['resource']]).toEqual([200, balancer.origin])
    const challenge = (await get('/me', {})).headers.get('www-authenticate')
    expect(challenge).toContain(
      `resource_metadata="${balancer.origin}/.well-known/oauth-protected-resource"`,
    )
  })

  it('refuses everywhere a token revoked through the denylist', async () => {
    const token = await issuer.sign()
    for (let i = 0; i < 3; i++) expect((await get('/me', bearer(token))).status).toBe(200)
    const jti = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())['jti']
    await console_!.rs.revoke({ jti, expiresAt: new Date(Date.now() + 3_600_000) })
    const served = new Set<string | null>()
    for (let i = 0; i < 3; i++) {
      const answer = await get('/me', bearer(token))
      expect([answer.status, answer.body['error']]).toEqual([401, 'invalid_token'])
      served.add(answer.servedBy)
    }
    expect(served.size).toBe(3)
  })
})
