import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChallenges } from './challenge.js'
import { ConfigurationError, isOAuthError } from './errors.js'
import { resourceMetadataResponse, resourceMetadataUrl } from './resource-metadata.js'
import { createResourceServer } from './resource-server.js'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: 'https://api.example.com/mcp' })
})
afterAll(async () => {
  await issuer.close()
})

describe('resourceMetadataUrl (RFC 9728 §3.1 path insertion)', () => {
  const table: [string, string][] = [
    [
      'https://resource.example.com',
      'https://resource.example.com/.well-known/oauth-protected-resource',
    ],
    [
      'https://resource.example.com/',
      'https://resource.example.com/.well-known/oauth-protected-resource',
    ],
    [
      'https://resource.example.com/resource1',
      'https://resource.example.com/.well-known/oauth-protected-resource/resource1',
    ],
    [
      'https://example.com/public/mcp',
      'https://example.com/.well-known/oauth-protected-resource/public/mcp',
    ],
    [
      'https://rs.example.com/path/',
      'https://rs.example.com/.well-known/oauth-protected-resource/path/',
    ],
    [
      'https://resource.example.com/resource1?tenant=a',
      'https://resource.example.com/.well-known/oauth-protected-resource/resource1?tenant=a',
    ],
    [
      'https://mcp.example.com:8443',
      'https://mcp.example.com:8443/.well-known/oauth-protected-resource',
    ],
  ]
  for (const [resource, url] of table) {
    it(`${resource} → ${url}`, () => {
      expect(resourceMetadataUrl(resource)).toBe(url)
    })
  }
})

describe('protected resource metadata on the resource server', () => {
  const server = (extra: Record<string, unknown> = {}) =>
    createResourceServer({
      issuer: issuer.issuer,
      audience: 'https://api.example.com/mcp',
      extraction: { query: true },
      resourceMetadata: {
        resource: 'https://api.example.com/mcp',
        scopesSupported: ['files:read', 'files:write'],
        resourceName: 'Files API',
        resourceDocumentation: 'https://docs.example.com/files',
        ...extra,
      },
    })

  it('builds the document from the configuration', () => {
    const metadata = server().resourceMetadata
    expect(metadata?.url).toBe('https://api.example.com/.well-known/oauth-protected-resource/mcp')
    expect(metadata?.path).toBe('/.well-known/oauth-protected-resource/mcp')
    expect(metadata?.document).toEqual({
      resource: 'https://api.example.com/mcp',
      authorization_servers: [issuer.issuer],
      scopes_supported: ['files:read', 'files:write'],
      bearer_methods_supported: ['header', 'query'],
      resource_name: 'Files API',
      resource_documentation: 'https://docs.example.com/files',
      dpop_signing_alg_values_supported: [
        ...['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512'],
        ...['EdDSA', 'Ed25519'],
      ],
    })
  })

  it('says when DPoP-bound tokens are required (RFC 9728 §2), and nothing about DPoP when disabled', () => {
    const base = {
      issuer: issuer.issuer,
      audience: 'https://api.example.com/mcp',
      resourceMetadata: { resource: 'https://api.example.com/mcp' },
    }
    const required = createResourceServer({
      ...base,
      dpop: { policy: 'required', algorithms: ['ES256'] },
    })
    expect(required.resourceMetadata?.document).toMatchObject({
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
    })
    const disabled = createResourceServer({ ...base, dpop: 'disabled' }).resourceMetadata?.document
    expect(disabled).not.toHaveProperty('dpop_signing_alg_values_supported')
    expect(disabled).not.toHaveProperty('dpop_bound_access_tokens_required')
  })

  it('serves it as cacheable, CORS-readable JSON', () => {
    const response = resourceMetadataResponse(server().resourceMetadata!)
    expect(response.status).toBe(200)
    expect(response.headers).toEqual({
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
    })
  })

  it('names the document in 401 challenges (as MCP clients expect), unless turned off', async () => {
    const request = { method: 'GET', url: '/mcp', headers: {} }
    const error = await server()
      .authenticate(request)
      .catch((e: unknown) => e)
    expect(isOAuthError(error)).toBe(true)
    const header = (error as { headers: Record<string, string> }).headers[
      'WWW-Authenticate'
    ] as string
    expect(parseChallenges(header)[0]?.params).toEqual({
      realm: 'api',
      resource_metadata: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
    })
    const quiet = await server({ challenge: false })
      .authenticate(request)
      .catch((e: unknown) => e)
    const quietHeader = (quiet as { headers: Record<string, string> }).headers['WWW-Authenticate']
    expect(parseChallenges(quietHeader ?? '')[0]).toEqual({
      scheme: 'Bearer',
      params: { realm: 'api' },
    })
  })

  it('rejects a resource that is not an https URL at construction', () => {
    expect(() => server({ resource: 'http://api.example.com/mcp' })).toThrow(ConfigurationError)
    expect(() => server({ resource: 'https://api.example.com/mcp#x' })).toThrow(/fragment/)
  })
})

describe('a metadata resource the server does not accept as audience', () => {
  const warnings = (audience: string, resource: string): string[] => {
    const seen: string[] = []
    createResourceServer({
      issuer: issuer.issuer,
      audience,
      resourceMetadata: { resource },
      // DPoP proofs are checked against this origin (else a warning says to set it).
      publicOrigin: audience,
      logger: { warn: (message) => seen.push(message), error: () => {} },
    })
    return seen
  }

  it('is reported at construction, since clients following the metadata would get refused tokens', () => {
    const [warning, ...more] = warnings('https://api.example.com', 'https://lb.example.com')
    expect(more).toEqual([])
    expect(warning).toContain('resource https://lb.example.com')
    expect(warning).toContain('not an accepted audience (https://api.example.com)')
  })

  it('is not reported when the resource is an accepted audience', () => {
    expect(warnings('https://api.example.com', 'https://api.example.com')).toEqual([])
  })
})
