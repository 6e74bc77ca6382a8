import { afterEach, describe, expect, it } from 'vitest'
import { assertIssuerPath, issuerLocations, metadataDocument } from './metadata.js'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from './test-issuer.js'

const running: TestIssuer[] = []
async function start(options?: TestIssuerOptions): Promise<TestIssuer> {
  const issuer = await createTestIssuer(options)
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

async function getJson(
  url: string,
): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(url)
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: response.ok ? await response.json() : await response.text(),
  }
}

describe('issuerLocations', () => {
  const origin = 'http://127.0.0.1:4000'

  it('uses the origin itself as issuer when there is no path', () => {
    expect(issuerLocations(origin, '')).toMatchObject({
      issuer: origin,
      jwksUri: `${origin}/jwks`,
      introspectionEndpoint: `${origin}/introspect`,
      metadataUrls: {
        oauth: `${origin}/.well-known/oauth-authorization-server`,
        openid: `${origin}/.well-known/openid-configuration`,
      },
    })
  })

  it('inserts the RFC 8414 suffix before the path and appends the OIDC one', () => {
    expect(issuerLocations(origin, '/tenant1')).toMatchObject({
      issuer: `${origin}/tenant1`,
      jwksUri: `${origin}/tenant1/jwks`,
      introspectionEndpoint: `${origin}/tenant1/introspect`,
      metadataUrls: {
        oauth: `${origin}/.well-known/oauth-authorization-server/tenant1`,
        openid: `${origin}/tenant1/.well-known/openid-configuration`,
      },
    })
  })

  it('keeps a trailing slash in the issuer but drops it from the derived URLs', () => {
    expect(issuerLocations(origin, '/issuer1/')).toMatchObject({
      issuer: `${origin}/issuer1/`,
      jwksUri: `${origin}/issuer1/jwks`,
      introspectionEndpoint: `${origin}/issuer1/introspect`,
      metadataUrls: {
        oauth: `${origin}/.well-known/oauth-authorization-server/issuer1`,
        openid: `${origin}/issuer1/.well-known/openid-configuration`,
      },
    })
    expect(issuerLocations(origin, '/').metadataUrls.oauth).toBe(
      `${origin}/.well-known/oauth-authorization-server`,
    )
  })
})

describe('assertIssuerPath', () => {
  it.each(['', '/', '/tenant1', '/a/b-c_d.e~f', '/issuer1/'])('accepts %j', (path) => {
    expect(() => assertIssuerPath(path)).not.toThrow()
  })

  it.each(['tenant1', '/a?b=1', '/a#frag', '/a b', 'http://x/y'])('rejects %j', (path) => {
    expect(() => assertIssuerPath(path)).toThrow(TypeError)
  })
})

describe('metadataDocument', () => {
  const locations = issuerLocations('http://127.0.0.1:4000', '/t')

  it('adds OIDC-only members to the openid document only', () => {
    const oauth = metadataDocument('oauth', locations)
    const openid = metadataDocument('openid', locations)
    expect(oauth).not.toHaveProperty('id_token_signing_alg_values_supported')
    expect(oauth).not.toHaveProperty('subject_types_supported')
    expect(openid).toMatchObject({
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    })
  })

  it('merges extra members and removes members set to undefined', () => {
    const doc = metadataDocument('oauth', locations, {
      introspection_endpoint: 'http://127.0.0.1:4000/t/introspect',
      code_challenge_methods_supported: undefined,
      issuer: 'https://spoofed.test',
    })
    expect(doc).toMatchObject({
      introspection_endpoint: 'http://127.0.0.1:4000/t/introspect',
      issuer: 'https://spoofed.test',
    })
    expect(doc).not.toHaveProperty('code_challenge_methods_supported')
  })
})

describe('served metadata', () => {
  it('serves both documents for an issuer without path', async () => {
    const issuer = await start()
    expect(issuer.issuer).toBe(issuer.origin)
    expect(issuer.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    for (const url of [issuer.metadataUrls.oauth, issuer.metadataUrls.openid]) {
      const { status, type, body } = await getJson(url)
      expect(status).toBe(200)
      expect(type).toBe('application/json')
      expect(body).toMatchObject({
        issuer: issuer.issuer,
        jwks_uri: issuer.jwksUri,
        token_endpoint: `${issuer.issuer}/token`,
        introspection_endpoint: `${issuer.issuer}/introspect`,
        introspection_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'private_key_jwt',
        ],
        response_types_supported: [],
        grant_types_supported: [
          'client_credentials',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        token_endpoint_auth_methods_supported: [
          'client_secret_basic',
          'client_secret_post',
          'private_key_jwt',
        ],
      })
      expect(body).not.toHaveProperty('authorization_endpoint')
      expect(body).not.toHaveProperty('code_challenge_methods_supported')
    }
    expect(issuer.metadataUrls).toEqual({
      oauth: `${issuer.origin}/.well-known/oauth-authorization-server`,
      openid: `${issuer.origin}/.well-known/openid-configuration`,
    })
  })

  it('serves path-inserted RFC 8414 and appended OIDC metadata for a path issuer', async () => {
    const issuer = await start({ path: '/tenant1' })
    expect(issuer.issuer).toBe(`${issuer.origin}/tenant1`)
    expect(issuer.metadataUrls.oauth).toBe(
      `${issuer.origin}/.well-known/oauth-authorization-server/tenant1`,
    )
    expect(issuer.metadataUrls.openid).toBe(
      `${issuer.origin}/tenant1/.well-known/openid-configuration`,
    )
    const oauth = await getJson(issuer.metadataUrls.oauth)
    const openid = await getJson(issuer.metadataUrls.openid)
    expect(oauth.body).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: issuer.jwksUri,
      introspection_endpoint: `${issuer.origin}/tenant1/introspect`,
    })
    expect(openid.body).toMatchObject({
      issuer: issuer.issuer,
      jwks_uri: `${issuer.origin}/tenant1/jwks`,
      id_token_signing_alg_values_supported: expect.arrayContaining(['RS256']),
    })
    expect(openid.body).toEqual(issuer.metadata('openid'))
    // the appended RFC 8414 form and the un-pathed locations are not the metadata of this issuer
    expect((await fetch(`${issuer.issuer}/.well-known/oauth-authorization-server`)).status).toBe(
      404,
    )
    expect((await fetch(`${issuer.origin}/.well-known/openid-configuration`)).status).toBe(404)
  })

  it('turns each document off independently', async () => {
    const oauthOnly = await start({ metadata: { openid: false } })
    expect((await fetch(oauthOnly.metadataUrls.oauth)).status).toBe(200)
    expect((await fetch(oauthOnly.metadataUrls.openid)).status).toBe(404)
    const openidOnly = await start({ metadata: { oauth: false } })
    expect((await fetch(openidOnly.metadataUrls.oauth)).status).toBe(404)
    expect((await fetch(openidOnly.metadataUrls.openid)).status).toBe(200)
  })

  it('serves extra members', async () => {
    const issuer = await start({ metadata: { extra: { scopes_supported: ['read'] } } })
    expect((await getJson(issuer.metadataUrls.oauth)).body).toMatchObject({
      scopes_supported: ['read'],
    })
  })

  it('advertises only endpoints it serves', async () => {
    const issuer = await start({ path: '/tenant1' })
    for (const url of [issuer.metadataUrls.oauth, issuer.metadataUrls.openid]) {
      const { body } = await getJson(url)
      const endpoints = Object.entries(body as Record<string, unknown>).filter(
        ([name]) => name.endsWith('_endpoint') || name === 'jwks_uri',
      )
      expect(endpoints.map(([name]) => name).sort()).toEqual([
        'introspection_endpoint',
        'jwks_uri',
        'token_endpoint',
      ])
      for (const [name, value] of endpoints) {
        const method = name === 'jwks_uri' ? 'GET' : 'POST'
        const response = await fetch(String(value), { method })
        // a served endpoint may refuse an empty request, but never answers "not found"
        expect(response.status, name).not.toBe(404)
      }
    }
  })

  it('answers 404 for unknown paths', async () => {
    const issuer = await start()
    for (const path of [
      '/nope',
      '/authorize',
      '/jwks/extra',
      '/introspect/x',
      '/.well-known/jwks.json',
    ]) {
      expect((await fetch(`${issuer.origin}${path}`)).status).toBe(404)
    }
  })

  it('answers 405 to a POST on a metadata URL and ignores query strings', async () => {
    const issuer = await start()
    const post = await fetch(issuer.metadataUrls.oauth, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect((await fetch(`${issuer.metadataUrls.oauth}?x=1`)).status).toBe(200)
  })
})
