import { describe, expect, it } from 'vitest'
import { anonymousRefusal, markAnonymous } from './anonymous.js'
import { createResourceServer } from './resource-server.js'

describe('anonymous requests on optional routes', () => {
  const rs = createResourceServer({
    issuer: 'https://issuer.example.com',
    audience: 'https://api.example.com',
    secret: 'a-secret-of-at-least-thirty-two-bytes!',
    algorithms: ['HS256'],
    publicOrigin: 'https://api.example.com',
    resourceMetadata: { resource: 'https://api.example.com' },
    logger: false,
  })

  it('are refused by a later requirement exactly as a mandatory route refuses no token', async () => {
    const request = {}
    markAnonymous(request, rs.challengeParams)
    const refusal = anonymousRefusal(request)
    const mandatory = await rs.authenticate({ method: 'GET', url: '/', headers: {} }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refusal?.status).toBe(401)
    expect(refusal?.code).toBe('missing_token')
    expect(refusal?.headers).toEqual((mandatory as { headers: unknown }).headers)
    expect(refusal?.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="api", resource_metadata="[^"]+", DPoP realm="api", algs="[^"]+", resource_metadata="[^"]+"$/,
    )
  })

  it('are not assumed: an unmarked request gets no refusal', () => {
    expect(anonymousRefusal({})).toBeUndefined()
  })
})
