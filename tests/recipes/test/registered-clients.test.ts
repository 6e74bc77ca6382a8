import { createMemoryStore } from '@scopeguard/core'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../src/listen.js'
import { registeredClientsApi } from '../src/registered-clients.js'
import { bearer, call, requestToken } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
const ADMIN = { clientId: 'admin-console', clientSecret: 'admin-console-secret-0123456789' }
const APP = { clientId: 'reporting-app', clientSecret: 'reporting-app-secret-0123456789' }
let issuer: TestIssuer
/** Two instances of the API sharing one store, as behind a load balancer. */
let instances: Listening[]

const token = (client: typeof APP, scope: string): Promise<string> =>
  requestToken(issuer.tokenEndpoint, client, { grant_type: 'client_credentials', scope })

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [ADMIN, APP] })
  const store = createMemoryStore()
  const apps = [1, 2].map(() =>
    registeredClientsApi({ issuer: issuer.issuer, audience: AUDIENCE, store }),
  )
  await apps[0]?.rs.registerClient(ADMIN.clientId)
  instances = await Promise.all(apps.map((app) => listen(app)))
})
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()))
  await issuer?.close()
})

describe('recipe: only registered client applications', () => {
  it('refuses an unregistered app with 401 invalid_token, registers it, then removes it on every instance', async () => {
    const appToken = await token(APP, 'files:read')
    const adminToken = await token(ADMIN, 'clients:admin')
    for (const instance of instances) {
      const refused = await call(instance.origin, '/files', { headers: bearer(appToken) })
      expect(refused.status).toBe(401)
      expect(refused.challenge).toMatchObject({ error: 'invalid_token' })
    }
    const [one, two] = instances as [Listening, Listening]
    const registered = await call(one.origin, `/admin/clients/${APP.clientId}`, {
      method: 'PUT',
      headers: bearer(adminToken),
    })
    expect(registered.status).toBe(204)
    for (const instance of instances) {
      // twice: the second answer comes from the verified-token cache
      for (let i = 0; i < 2; i++) {
        const served = await call(instance.origin, '/files', { headers: bearer(appToken) })
        expect([served.status, served.json]).toEqual([200, { client: APP.clientId }])
      }
    }
    const removed = await call(two.origin, `/admin/clients/${APP.clientId}`, {
      method: 'DELETE',
      headers: bearer(adminToken),
    })
    expect(removed.status).toBe(204)
    for (const instance of instances) {
      const refused = await call(instance.origin, '/files', { headers: bearer(appToken) })
      expect(refused.status).toBe(401)
      expect(refused.challenge).toMatchObject({ error: 'invalid_token' })
    }
  })

  it('a registered client still needs the route’s scope (403)', async () => {
    const appToken = await token(APP, 'files:read')
    const answer = await call(instances[0]!.origin, `/admin/clients/${APP.clientId}`, {
      method: 'PUT',
      headers: bearer(appToken),
    })
    // the app is not registered now: refused before its scope is even looked at
    expect(answer.status).toBe(401)
    const adminAnswer = await call(instances[0]!.origin, '/files', {
      headers: bearer(await token(ADMIN, 'clients:admin')),
    })
    expect(adminAnswer.status).toBe(403)
    expect(adminAnswer.challenge).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:read',
    })
  })
})
