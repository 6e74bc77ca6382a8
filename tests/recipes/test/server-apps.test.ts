import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listen, type Listening } from '../src/listen.js'
import { serverAppsApi } from '../src/server-apps.js'
import { bearer, call, requestToken } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let api: Listening

const APP = { clientId: 'reporting-app', clientSecret: 'reporting-app-secret-0123456789' }

/** A token the server app gets from the token endpoint with client_credentials: no user. */
const appToken = (scope: string): Promise<string> =>
  requestToken(issuer.tokenEndpoint, APP, { grant_type: 'client_credentials', scope })

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [APP] })
  api = await listen(serverAppsApi({ issuer: issuer.issuer, audience: AUDIENCE }))
})
afterAll(async () => {
  await api?.close()
  await issuer?.close()
})

describe('recipe: per-resource read/write scopes for server apps (client_credentials)', () => {
  it('files:read lists files', async () => {
    const answer = await call(api.origin, '/files', {
      headers: bearer(await appToken('files:read')),
    })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ files: ['q3-report.pdf'] })
  })

  it('files:read cannot write: 403 naming files:write', async () => {
    const answer = await call(api.origin, '/files/a.pdf', {
      method: 'PUT',
      headers: bearer(await appToken('files:read')),
    })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ error: 'insufficient_scope', scope: 'files:write' })
  })

  it('files:write writes, and implies files:read', async () => {
    const token = await appToken('files:write')
    const put = await call(api.origin, '/files/a.pdf', { method: 'PUT', headers: bearer(token) })
    expect(put.status).toBe(201)
    expect(put.json).toEqual({ name: 'a.pdf' })
    expect((await call(api.origin, '/files', { headers: bearer(token) })).status).toBe(200)
  })

  it('files scopes do not reach the account: 403 naming account:read', async () => {
    const answer = await call(api.origin, '/account', {
      headers: bearer(await appToken('files:read files:write')),
    })
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ scope: 'account:read' })
  })

  it('account:read reads the account, which names the app', async () => {
    const answer = await call(api.origin, '/account', {
      headers: bearer(await appToken('account:read')),
    })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ app: 'reporting-app', subject: 'reporting-app' })
  })

  it('archives:write archives, and is the only scope that does', async () => {
    const ok = await call(api.origin, '/archives', {
      method: 'POST',
      headers: bearer(await appToken('archives:write')),
    })
    expect(ok.status).toBe(202)
    const refused = await call(api.origin, '/archives', {
      method: 'POST',
      headers: bearer(await appToken('files:write account:read')),
    })
    expect(refused.status).toBe(403)
    expect(refused.challenge).toMatchObject({ scope: 'archives:write' })
  })

  it('no token: 401 without an error code', async () => {
    const answer = await call(api.origin, '/files')
    expect(answer.status).toBe(401)
    expect(answer.challenge).not.toHaveProperty('error')
  })
})
