import { Buffer } from 'node:buffer'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError } from './errors.js'
import { createResourceMetadataRoute, type ResourceMetadata } from './resource-metadata.js'
import { createResourceServer } from './resource-server.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: 'https://api.example.com/mcp' })
})
afterAll(async () => {
  await issuer.close()
})

const ROOT = '/.well-known/oauth-protected-resource'

const metadata = (path: string, document: Record<string, unknown>): ResourceMetadata => ({
  url: `https://api.example.com${path}`,
  path,
  document,
})

const root = metadata(ROOT, { resource: 'https://api.example.com', resource_name: 'Fichiers é' })
const tenant = metadata(`${ROOT}/files?tenant=a`, {
  resource: 'https://api.example.com/files?tenant=a',
})

describe('createResourceMetadataRoute()', () => {
  const route = createResourceMetadataRoute([root, tenant])

  it('answers GET with the JSON document, cacheable and readable cross-origin', () => {
    const response = route('GET', ROOT)
    expect(response?.status).toBe(200)
    expect(JSON.parse(response?.body ?? '')).toEqual(root.document)
    expect(response?.headers).toEqual({
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(response?.body ?? '')),
    })
  })

  it('counts Content-Length in bytes, not characters', () => {
    const body = route('GET', ROOT)?.body ?? ''
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length)
  })

  it('answers HEAD like GET (the framework drops the body)', () => {
    expect(route('HEAD', ROOT)).toEqual(route('GET', ROOT))
  })

  it('finds a document by path alone when the request has a query', () => {
    expect(route('GET', `${ROOT}?x=1`)?.body).toBe(route('GET', ROOT)?.body)
  })

  it('finds a resource with a query by path and query, and only so', () => {
    expect(JSON.parse(route('GET', `${ROOT}/files?tenant=a`)?.body ?? '')).toEqual(tenant.document)
    expect(route('GET', `${ROOT}/files`)).toBeUndefined()
    expect(route('GET', `${ROOT}/files?tenant=b`)).toBeUndefined()
  })

  it('answers a CORS preflight with 204 and no body', () => {
    expect(route('OPTIONS', ROOT)).toEqual({
      status: 204,
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
      },
    })
  })

  it('passes on other methods, other paths and unknown documents', () => {
    expect(route('POST', ROOT)).toBeUndefined()
    expect(route('DELETE', ROOT)).toBeUndefined()
    expect(route('GET', '/files')).toBeUndefined()
    expect(route('GET', '/api/.well-known/oauth-protected-resource')).toBeUndefined()
    expect(route('GET', `${ROOT}/other`)).toBeUndefined()
    expect(route('OPTIONS', `${ROOT}/other`)).toBeUndefined()
    expect(route('GET', '/.well-known/openid-configuration')).toBeUndefined()
  })

  it('serves the document of a resource server at its own path', () => {
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: 'https://api.example.com/mcp',
      resourceMetadata: { resource: 'https://api.example.com/mcp' },
    })
    const served = createResourceMetadataRoute([rs, root])
    const body = served('GET', `${ROOT}/mcp`)?.body
    expect(JSON.parse(body ?? '')).toEqual(rs.resourceMetadata?.document)
    expect(served('GET', ROOT)?.body).toBe(route('GET', ROOT)?.body)
  })
})

describe('createResourceMetadataRoute() configuration errors', () => {
  const plain = createResourceServer({ issuer: 'https://issuer.example.com', audience: 'api' })

  it('refuses to be called with nothing', () => {
    expect(() => createResourceMetadataRoute([])).toThrow(ConfigurationError)
    expect(() => createResourceMetadataRoute([])).toThrow(
      'resourceMetadata() needs at least one resource server',
    )
  })

  it('refuses a resource server without the resourceMetadata option', () => {
    expect(() => createResourceMetadataRoute([plain])).toThrow(ConfigurationError)
    expect(() => createResourceMetadataRoute([plain])).toThrow(/resourceMetadata option/)
  })

  it('refuses two documents at the same path', () => {
    expect(() => createResourceMetadataRoute([root, { ...root }])).toThrow(
      `resourceMetadata(): two resource servers publish metadata at ${ROOT}`,
    )
  })

  it('names the calling adapter function', () => {
    const caller = { caller: 'resourceMetadataMiddleware()' }
    expect(() => createResourceMetadataRoute([], caller)).toThrow(
      /^scopeguard: resourceMetadataMiddleware\(\) needs at least one/,
    )
    expect(() => createResourceMetadataRoute([plain], caller)).toThrow(
      /^scopeguard: resourceMetadataMiddleware\(\) needs a resource server/,
    )
    expect(() => createResourceMetadataRoute([root, root], caller)).toThrow(
      /^scopeguard: resourceMetadataMiddleware\(\): two resource servers/,
    )
  })
})
