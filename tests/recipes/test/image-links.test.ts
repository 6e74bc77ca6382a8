import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { imageLinksApi } from '../src/image-links.js'
import { listen, type Listening } from '../src/listen.js'
import { bearer, call } from './helpers.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let api: Listening

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  api = await listen(imageLinksApi({ issuer: issuer.issuer, audience: AUDIENCE }))
})
afterAll(async () => {
  await api?.close()
  await issuer?.close()
})

describe('recipe: an image route that alone accepts a query-string token', () => {
  it('?ssoToken= with the files scope serves the image, Cache-Control: private', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await call(api.origin, `/images/42?ssoToken=${token}`)
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']?.[0]).toMatch(/^image\/svg\+xml/)
    expect(answer.headers['cache-control']).toEqual(['private'])
  })

  it('the broader base scope implies files', async () => {
    const token = await issuer.sign({ scope: 'base' })
    expect((await call(api.origin, `/images/42?ssoToken=${token}`)).status).toBe(200)
  })

  it('a query token without files (or base) is 403 naming files', async () => {
    const token = await issuer.sign({ scope: 'account:read' })
    const answer = await call(api.origin, `/images/42?ssoToken=${token}`)
    expect(answer.status).toBe(403)
    expect(answer.challenge).toMatchObject({ error: 'insufficient_scope', scope: 'files' })
  })

  it('the image route still takes the header, and then the answer is not marked private', async () => {
    const answer = await call(api.origin, '/images/42', {
      headers: bearer(await issuer.sign({ scope: 'files' })),
    })
    expect(answer.status).toBe(200)
    expect(answer.headers['cache-control']).not.toEqual(['private'])
  })

  it('the standard access_token parameter is not read there (only ssoToken is)', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await call(api.origin, `/images/42?access_token=${token}`)
    expect(answer.status).toBe(401)
    expect(answer.challenge).not.toHaveProperty('error')
  })

  it('other routes never read the query: 401 as if no token came', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await call(api.origin, `/files?ssoToken=${token}`)
    expect(answer.status).toBe(401)
    expect(answer.challenge).not.toHaveProperty('error')
    expect(answer.body).not.toContain(token)
  })

  it('header and query at once is 400 invalid_request', async () => {
    const token = await issuer.sign({ scope: 'files' })
    const answer = await call(api.origin, `/images/42?ssoToken=${token}`, {
      headers: bearer(token),
    })
    expect(answer.status).toBe(400)
    expect(answer.challenge).toMatchObject({ error: 'invalid_request' })
  })
})
