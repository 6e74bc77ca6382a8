// RFC 9728 through the four example servers: the document, how it is served (content type,
// caching, CORS, HEAD, OPTIONS), and that the URL named in challenges leads to a document whose
// `resource` is the API the client called. The matrix in cases.ts checks `resource_metadata` on
// every challenge; this file checks the route itself, header by header, identically everywhere.
import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestIssuer,
  rawRequest,
  type RawResponse,
  type TestIssuer,
} from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { RESOURCE, RESOURCE_METADATA_URL } from './cases.js'
import { startExample, type RunningExample } from './example-process.js'
import { DPOP_ALGS } from './dpop-cases.js'

const PATH = '/.well-known/oauth-protected-resource'
let issuer: TestIssuer
const running: RunningExample[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE })
  for (const adapter of ADAPTERS) {
    running.push(await startExample(adapter, { issuer: issuer.issuer, audience: RESOURCE }))
  }
}, 60_000)

afterAll(async () => {
  await Promise.all(running.map((example) => example.stop()))
  await issuer?.close()
})

async function everywhere(
  request: Parameters<typeof rawRequest>[1],
): Promise<[string, RawResponse][]> {
  const answers: [string, RawResponse][] = []
  for (const example of running) {
    answers.push([example.adapter.name, await rawRequest(example.origin, request)])
  }
  return answers
}

describe(`protected resource metadata (RFC 9728): ${ADAPTERS.map((a) => a.name).join(', ')}`, () => {
  it('serves the same JSON document with the configured resource and issuer', async () => {
    const bodies: unknown[] = []
    for (const [name, response] of await everywhere({ path: PATH })) {
      expect(response.status, name).toBe(200)
      const body = JSON.parse(response.body) as Record<string, unknown>
      expect(body, name).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['files:read', 'files:write', 'account:read'],
        bearer_methods_supported: ['header'],
        resource_name: 'scopeguard example API',
        dpop_signing_alg_values_supported: DPOP_ALGS.split(' '),
      })
      bodies.push(body)
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1)
  })

  it('answers application/json, cacheable and readable cross-origin', async () => {
    for (const [name, response] of await everywhere({ path: PATH })) {
      expect(response.headers['content-type']?.[0]?.replace(/\s+/g, '').toLowerCase(), name).toBe(
        'application/json;charset=utf-8',
      )
      expect(response.headers['cache-control'], name).toEqual(['public, max-age=3600'])
      expect(response.headers['access-control-allow-origin'], name).toEqual(['*'])
      expect(response.headers['www-authenticate'], name).toBeUndefined()
    }
  })

  it('answers HEAD with the headers and no body', async () => {
    for (const [name, response] of await everywhere({ method: 'HEAD', path: PATH })) {
      expect(response.status, name).toBe(200)
      expect(response.body, name).toBe('')
      expect(response.headers['access-control-allow-origin'], name).toEqual(['*'])
    }
  })

  it('answers a CORS preflight with 204', async () => {
    const preflight = {
      method: 'OPTIONS',
      path: PATH,
      headers: [
        ['Origin', 'https://client.example'],
        ['Access-Control-Request-Method', 'GET'],
      ] as [string, string][],
    }
    for (const [name, response] of await everywhere(preflight)) {
      expect(response.status, name).toBe(204)
      expect(response.headers['access-control-allow-origin'], name).toEqual(['*'])
    }
  })

  it('the URL a 401 names leads to a document for the resource the client called', async () => {
    for (const [name, response] of await everywhere({ path: '/files' })) {
      expect(response.status, name).toBe(401)
      const [challenge] = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
      const url = new URL(challenge?.params['resource_metadata'] ?? '')
      expect(url.href, name).toBe(RESOURCE_METADATA_URL)
      const example = running.find((e) => e.adapter.name === name) as RunningExample
      const document = await rawRequest(example.origin, { path: url.pathname })
      expect((JSON.parse(document.body) as { resource: string }).resource, name).toBe(RESOURCE)
    }
  })

  it('a 403 names the document next to the missing scope', async () => {
    const token = await issuer.sign({ scope: 'account:read' })
    const request = {
      path: '/files',
      headers: [['Authorization', `Bearer ${token}`]] as [string, string][],
    }
    for (const [name, response] of await everywhere(request)) {
      expect(response.status, name).toBe(403)
      const [challenge] = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
      expect(challenge?.params, name).toMatchObject({
        error: 'insufficient_scope',
        scope: 'files:read',
        resource_metadata: RESOURCE_METADATA_URL,
      })
    }
  })

  it('other well-known paths are not the document', async () => {
    for (const [name, response] of await everywhere({ path: `${PATH}/other` })) {
      expect(response.status, name).toBe(404)
    }
  })
})
