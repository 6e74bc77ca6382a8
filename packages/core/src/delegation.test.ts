import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthInfo } from './auth-info.js'
import { refuseDelegation, requireActor, requireDelegation } from './delegation.js'
import { ConfigurationError } from './errors.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let rs: ResourceServer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

const direct = async (): Promise<AuthInfo> => rs.verifyToken(await issuer.sign({ sub: 'alice' }))
const delegated = async (): Promise<AuthInfo> =>
  rs.verifyToken(
    await issuer.sign({
      sub: 'alice',
      act: { sub: 'billing-service', client_id: 'billing', act: { sub: 'gateway' } },
      may_act: { sub: 'billing-service' },
    }),
  )

describe('delegation (RFC 8693)', () => {
  it('exposes the actor chain, closest actor first, and may_act', async () => {
    const auth = await delegated()
    expect(auth.subject).toBe('alice')
    expect(auth.actors.map((actor) => actor.subject)).toEqual(['billing-service', 'gateway'])
    expect(auth.actors[0]?.clientId).toBe('billing')
    expect(auth.mayAct).toEqual({ sub: 'billing-service' })
  })

  it('requireDelegation lets delegated tokens through and refuses direct ones with 403', async () => {
    const chained = await delegated()
    expect(() => requireDelegation().check(chained)).not.toThrow()
    const auth = await direct()
    expect(() => requireDelegation().check(auth)).toThrow(
      expect.objectContaining({ status: 403, code: 'insufficient_scope', reason: 'delegation' }),
    )
  })

  it('refuseDelegation refuses delegated tokens with 403', async () => {
    const auth = await direct()
    expect(() => refuseDelegation().check(auth)).not.toThrow()
    const chained = await delegated()
    expect(() => refuseDelegation().check(chained)).toThrow(
      expect.objectContaining({ status: 403 }),
    )
  })

  it('requireActor decides on the current actor only, by subject or predicate', async () => {
    const auth = await delegated()
    expect(() => requireActor('billing-service').check(auth)).not.toThrow()
    expect(() => requireActor((actor) => actor.clientId === 'billing').check(auth)).not.toThrow()
    // 'gateway' is an earlier actor in the chain: it does not count (RFC 8693 §4.1)
    expect(() => requireActor('gateway').check(auth)).toThrow(
      expect.objectContaining({ status: 403 }),
    )
    const plain = await direct()
    expect(() => requireActor('billing-service').check(plain)).toThrow(
      expect.objectContaining({ status: 403 }),
    )
    expect(() => requireActor()).toThrow(ConfigurationError)
  })
})
