import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../src/listen.js'
import { onBehalfOfApi } from '../src/on-behalf-of.js'
import {
  ACCESS_TOKEN_TYPE,
  bearer,
  call,
  requestToken,
  TOKEN_EXCHANGE,
  type TokenClient,
} from './helpers.js'

const AUDIENCE = 'https://api.example.test'
const GATEWAY: TokenClient = { clientId: 'gateway', clientSecret: 'gateway-secret-0123456789' }
const REPORTS: TokenClient = {
  clientId: 'reports-service',
  clientSecret: 'reports-secret-0123456789',
}
const BILLING: TokenClient = {
  clientId: 'billing-service',
  clientSecret: 'billing-secret-0123456789',
}
let issuer: TestIssuer
let api: Listening

/** `client` exchanges `subjectToken` (RFC 8693) at the issuer's token endpoint. */
const exchange = (
  client: TokenClient,
  subjectToken: string,
  extra: Record<string, string> = {},
): Promise<string> =>
  requestToken(issuer.tokenEndpoint, client, {
    grant_type: TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: ACCESS_TOKEN_TYPE,
    audience: AUDIENCE,
    ...extra,
  })

/** The user's own token, as the user's app got it at login. */
const userToken = (scope = 'reports:read'): Promise<string> =>
  issuer.sign({ sub: 'user-123', client_id: 'web-app', scope })

/** The user's token, exchanged by the gateway, then by the reporting service. */
async function throughGatewayAndReports(): Promise<string> {
  const atGateway = await exchange(GATEWAY, await userToken())
  return exchange(REPORTS, atGateway)
}

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [GATEWAY, REPORTS, BILLING] })
  api = await listen(onBehalfOfApi({ issuer: issuer.issuer, audience: AUDIENCE }))
})
afterAll(async () => {
  await api?.close()
  await issuer?.close()
})

describe("recipe: a service calling on a user's behalf (token exchange)", () => {
  it('the handler reads the user and the actor chain, closest actor first', async () => {
    const token = await throughGatewayAndReports()
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({
      user: 'user-123',
      actingParty: 'reports-service',
      chain: ['reports-service', 'gateway'],
    })
  })

  it('a single exchange has a chain of one', async () => {
    const token = await exchange(REPORTS, await userToken())
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.json).toMatchObject({ chain: ['reports-service'] })
  })

  it('another service acting for the user is refused: 403', async () => {
    const token = await exchange(BILLING, await userToken())
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ error: 'insufficient_scope' })
  })

  it('only the current actor counts: reports-service earlier in the chain is not enough', async () => {
    const token = await exchange(BILLING, await exchange(REPORTS, await userToken()))
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(403)
  })

  it("the user's own token (no act) is not the service's: 403 on the delegated route", async () => {
    const answer = await call(api.origin, '/users/me/reports', {
      headers: bearer(await userToken()),
    })
    expect(answer.status).toBe(403)
  })

  it('the scope still applies to the exchanged token', async () => {
    const token = await exchange(REPORTS, await userToken('profile'))
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ scope: 'reports:read' })
  })

  it('the password route refuses any delegated token, and takes the user’s own', async () => {
    const delegated = await call(api.origin, '/users/me/password', {
      method: 'POST',
      headers: bearer(await throughGatewayAndReports()),
    })
    expect(delegated.status).toBe(403)
    const own = await call(api.origin, '/users/me/password', {
      method: 'POST',
      headers: bearer(await userToken()),
    })
    expect(own.status).toBe(204)
  })

  it('a malformed act claim is 401 invalid_token', async () => {
    const token = await issuer.sign({ scope: 'reports:read', act: ['reports-service'] })
    const answer = await call(api.origin, '/users/me/reports', { headers: bearer(token) })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toMatchObject({ error: 'invalid_token' })
  })
})
