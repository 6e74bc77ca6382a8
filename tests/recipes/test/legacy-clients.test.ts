import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { legacyClientsApi } from '../src/legacy-clients.js'
import { listen, type Listening } from '../src/listen.js'
import { bearer, call } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let api: Listening

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  api = await listen(legacyClientsApi({ issuer: issuer.issuer, audience: AUDIENCE }))
})
afterAll(async () => {
  await api?.close()
  await issuer?.close()
})

describe('recipe: legacy clients sending Authorization: <token> with no scheme', () => {
  it('v1 accepts the bare token', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const answer = await call(api.origin, '/v1/files', { headers: [['Authorization', token]] })
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ files: ['notes.txt'], source: 'legacy-header' })
  })

  it('v1 still accepts Bearer', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const answer = await call(api.origin, '/v1/files', { headers: bearer(token) })
    expect(answer.json).toEqual({ files: ['notes.txt'], source: 'header' })
  })

  it('a bare token is verified like any other: an expired one is 401 invalid_token', async () => {
    const token = await issuer.sign({ scope: 'files:read' }, { expiresIn: -120 })
    const answer = await call(api.origin, '/v1/files', { headers: [['Authorization', token]] })
    expect(answer.status).toBe(401)
    expect(answer.challenge).toMatchObject({ error: 'invalid_token' })
  })

  it('v2 does not accept the bare token: 401 as if none came', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const answer = await call(api.origin, '/v2/files', { headers: [['Authorization', token]] })
    expect(answer.status).toBe(401)
    expect(answer.challenge).not.toHaveProperty('error')
  })

  it('v2 accepts Bearer', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    expect((await call(api.origin, '/v2/files', { headers: bearer(token) })).status).toBe(200)
  })

  it('a bare value that is not a token shape is not mistaken for one on v1', async () => {
    const answer = await call(api.origin, '/v1/files', {
      headers: [['Authorization', 'Basic dXNlcjpwYXNz']],
    })
    expect(answer.status).toBe(401)
    expect(answer.challenge).not.toHaveProperty('error')
  })
})
