import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../src/listen.js'
import { onBehalfOfApi } from '../src/on-behalf-of.js'
import { bearer, call } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let api: Listening

/**
 * What a token exchange (RFC 8693) issues when the reporting service, itself called through the
 * gateway, exchanges the user's token: the user as subject, the service as current actor.
 */
const exchanged = (claims: Record<string, unknown> = {}): Promise<string> =>
  issuer.sign({
    sub: 'user-123',
    client_id: 'reports-service',
    scope: 'reports:read',
    act: { sub: 'reports-service', act: { sub: 'gateway' } },
    ...claims,
  })

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  api = await listen(onBehalfOfApi({ issuer: issuer.issuer, audience: AUDIENCE }))
})
afterAll(async () => {
  await api?.close()
  await issuer?.close()
})

describe("recipe: a service calling on a user's behalf (token exchange)", () => {
  it('the handler reads the user and the actor chain, closest actor first', async () => {
    const answer = await call(api.origin, '/users/me/reports', {
      headers: bearer(await exchanged()),
    })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({
      user: 'user-123',
      actingParty: 'reports-service',
      chain: ['reports-service', 'gateway'],
    })
  })

  it('another service acting for the user is refused: 403', async () => {
    const token = await exchanged({ act: { sub: 'billing-service' } })
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ error: 'insufficient_scope' })
  })

  it('only the current actor counts: reports-service earlier in the chain is not enough', async () => {
    const token = await exchanged({
      act: { sub: 'billing-service', act: { sub: 'reports-service' } },
    })
    expect((await call(api.origin, '/users/me/reports', { headers: bearer(token) })).status).toBe(
      403,
    )
  })

  it("the user's own token (no act) is not the service's: 403 on the delegated route", async () => {
    const token = await exchanged({ act: undefined })
    expect((await call(api.origin, '/users/me/reports', { headers: bearer(token) })).status).toBe(
      403,
    )
  })

  it('the scope still applies to the exchanged token', async () => {
    const token = await exchanged({ scope: 'profile' })
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ scope: 'reports:read' })
  })

  it('the password route refuses any delegated token, and takes the user’s own', async () => {
    const delegated = await call(api.origin, '/users/me/password', {
      method: 'POST',
      headers: bearer(await exchanged()),
    })
    expect(delegated.status).toBe(403)
    const own = await call(api.origin, '/users/me/password', {
      method: 'POST',
      headers: bearer(await exchanged({ act: undefined })),
    })
    expect(own.status).toBe(204)
  })

  it('a malformed act claim is 401 invalid_token', async () => {
    const token = await exchanged({ act: ['reports-service'] })
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toMatchObject({ error: 'invalid_token' })
  })
})
