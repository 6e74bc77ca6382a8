import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../src/listen.js'
import { tenantsApi } from '../src/tenants.js'
import { bearer, call } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
let acme: TestIssuer
let globex: TestIssuer
let outsider: TestIssuer
let api: Listening

beforeAll(async () => {
  ;[acme, globex, outsider] = await Promise.all([
    createTestIssuer({ audience: AUDIENCE, path: '/acme' }),
    createTestIssuer({ audience: AUDIENCE, path: '/globex' }),
    createTestIssuer({ audience: AUDIENCE }),
  ])
  api = await listen(
    tenantsApi({ audience: AUDIENCE, tenants: { acme: acme.issuer, globex: globex.issuer } }),
  )
})
afterAll(async () => {
  await api?.close()
  await Promise.all([acme, globex, outsider].map((issuer) => issuer?.close()))
})

describe('recipe: one API, several tenants, each with its own issuer', () => {
  it("each tenant's token works on its own tenant's routes", async () => {
    for (const [tenant, issuer] of [
      ['acme', acme],
      ['globex', globex],
    ] as const) {
      const answer = await call(api.origin, `/t/${tenant}/files`, {
        headers: bearer(await issuer.sign({ scope: 'files:read' })),
      })
      expect(answer.status, tenant).toBe(200)
      expect(answer.json).toEqual({ tenant, issuer: issuer.issuer, user: 'user-123' })
    }
  })

  it("a tenant's token is refused on another tenant's routes: 401 invalid_token", async () => {
    const answer = await call(api.origin, '/t/acme/files', {
      headers: bearer(await globex.sign({ scope: 'files:read' })),
    })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toMatchObject({ error: 'invalid_token' })
  })

  it('an unknown tenant is 401', async () => {
    const answer = await call(api.origin, '/t/initech/files', {
      headers: bearer(await acme.sign({ scope: 'files:read' })),
    })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toMatchObject({ error: 'invalid_token' })
  })

  it("a token from an issuer that is no tenant's is 401, and its keys are never fetched", async () => {
    outsider.resetCounts()
    const answer = await call(api.origin, '/t/acme/files', {
      headers: bearer(await outsider.sign({ scope: 'files:read' })),
    })
    expect(answer.status).toBe(401)
    expect(outsider.requestCount('jwks')).toBe(0)
  })

  it('scopes still apply per tenant: 403 naming files:read', async () => {
    const answer = await call(api.origin, '/t/globex/files', {
      headers: bearer(await globex.sign({ scope: 'account:read' })),
    })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ scope: 'files:read' })
  })
})
