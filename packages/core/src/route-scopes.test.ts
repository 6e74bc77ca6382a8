import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChallenges, type ParsedChallenge } from './challenge.js'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import type { ScopeguardEvent } from './events.js'
import type { RequestLike } from './request.js'
import { requireClaim } from './requirements.js'
import { createResourceServer } from './resource-server.js'
import type { ResourceServerOptions } from './options.js'
import { validateRouteScopes } from './route-scopes.js'

const AUDIENCE = 'https://mcp.example.test/mcp'
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

function server(extra: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    resourceMetadata: { resource: AUDIENCE },
    publicOrigin: 'https://mcp.example.test',
    ...extra,
  })
}

const request = (authorization?: string): RequestLike => ({
  method: 'POST',
  url: '/mcp',
  headers: authorization === undefined ? {} : { authorization },
})

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

function challenges(error: OAuthError): ParsedChallenge[] {
  return parseChallenges(error.headers['WWW-Authenticate'] ?? '')
}

describe('scopes in challenges (per route and per server)', () => {
  it('names the route scopes in the 401 for a missing token, next to resource_metadata', async () => {
    const rs = server()
    const error = await rejection(rs.authenticate(request(), { requiredScopes: ['mcp:tools'] }))
    expect(error.status).toBe(401)
    const [bearer] = challenges(error)
    expect(bearer?.scheme).toBe('Bearer')
    expect(bearer?.params).toMatchObject({
      scope: 'mcp:tools',
      resource_metadata: 'https://mcp.example.test/.well-known/oauth-protected-resource/mcp',
    })
    expect(bearer?.params).not.toHaveProperty('error')
  })

  it('names them in the 401 for an invalid token too', async () => {
    const rs = server()
    const expired = await issuer.sign({ exp: Math.floor(Date.now() / 1000) - 3600 })
    const error = await rejection(
      rs.authenticate(request(`Bearer ${expired}`), { requiredScopes: ['mcp:tools', 'mcp:read'] }),
    )
    expect(error.code).toBe('invalid_token')
    expect(challenges(error)[0]?.params['scope']).toBe('mcp:tools mcp:read')
  })

  it('requires the route scopes: 403 insufficient_scope naming them, reported once', async () => {
    const events: ScopeguardEvent[] = []
    const rs = server({ onEvent: (event) => events.push(event) })
    const token = await issuer.sign({ scope: 'mcp:read' })
    const error = await rejection(
      rs.authenticate(request(`Bearer ${token}`), { requiredScopes: ['mcp:tools'] }),
    )
    expect([error.status, error.code]).toEqual([403, 'insufficient_scope'])
    expect(challenges(error)[0]?.params['scope']).toBe('mcp:tools')
    expect(events.filter((event) => event.type === 'rejected')).toHaveLength(1)
  })

  it('lets a token with the route scopes (or an implying scope) through', async () => {
    const rs = server({ scopes: { implies: { 'mcp:admin': ['mcp:tools'] } } })
    const tools = await issuer.sign({ scope: 'mcp:tools' })
    const admin = await issuer.sign({ scope: 'mcp:admin' })
    const options = { requiredScopes: ['mcp:tools'] } as const
    await expect(rs.authenticate(request(`Bearer ${tools}`), options)).resolves.toMatchObject({
      scopes: ['mcp:tools'],
    })
    await expect(rs.authenticate(request(`Bearer ${admin}`), options)).resolves.toMatchObject({
      scopes: ['mcp:admin'],
    })
  })

  it('challengeScopes names scopes without requiring them; [] names none', async () => {
    const rs = server({ challengeScopes: ['mcp:tools'] })
    const token = await issuer.sign({ scope: 'other' })
    await expect(
      rs.authenticate(request(`Bearer ${token}`), { challengeScopes: ['mcp:admin'] }),
    ).resolves.toMatchObject({ scopes: ['other'] })
    const named = await rejection(rs.authenticate(request(), { challengeScopes: ['mcp:admin'] }))
    expect(challenges(named)[0]?.params['scope']).toBe('mcp:admin')
    const none = await rejection(rs.authenticate(request(), { challengeScopes: [] }))
    expect(challenges(none)[0]?.params).not.toHaveProperty('scope')
  })

  it("names the server's challengeScopes on routes that name none, and in verifyToken()", async () => {
    const rs = server({ challengeScopes: ['mcp:tools'] })
    expect(challenges(await rejection(rs.authenticate(request())))[0]?.params['scope']).toBe(
      'mcp:tools',
    )
    expect(challenges(await rejection(rs.verifyToken('not-a-jwt')))[0]?.params['scope']).toBe(
      'mcp:tools',
    )
    // A route's own scopes win.
    const error = await rejection(rs.authenticate(request(), { requiredScopes: ['mcp:admin'] }))
    expect(challenges(error)[0]?.params['scope']).toBe('mcp:admin')
  })

  it("does not put the server's challengeScopes on a 403 of a claim requirement", async () => {
    const rs = server({ challengeScopes: ['mcp:tools'] })
    const auth = await rs.authenticate(
      request(`Bearer ${await issuer.sign({ scope: 'mcp:tools' })}`),
    )
    let refused: unknown
    try {
      rs.authorize(auth, requireClaim('tenant', 'acme'))
    } catch (error) {
      refused = error
    }
    expect(isOAuthError(refused) && refused.status).toBe(403)
    expect(challenges(refused as OAuthError)[0]?.params).not.toHaveProperty('scope')
  })

  it('names no scope by default', async () => {
    const error = await rejection(server().authenticate(request()))
    expect(challenges(error)[0]?.params).not.toHaveProperty('scope')
  })

  it('with DPoP allowed, the Bearer challenge comes first and carries scope and resource_metadata', async () => {
    const rs = server({ dpop: 'allowed' })
    const error = await rejection(rs.authenticate(request(), { requiredScopes: ['mcp:tools'] }))
    const parsed = challenges(error)
    expect(parsed.map((c) => c.scheme)).toEqual(['Bearer', 'DPoP'])
    expect(parsed[0]?.params).toMatchObject({ scope: 'mcp:tools' })
    expect(parsed[0]?.params['resource_metadata']).toBeDefined()
  })

  it('with DPoP required, only the DPoP challenge, carrying scope and resource_metadata', async () => {
    const rs = server({ dpop: 'required' })
    const error = await rejection(rs.authenticate(request(), { requiredScopes: ['mcp:tools'] }))
    const parsed = challenges(error)
    expect(parsed.map((c) => c.scheme)).toEqual(['DPoP'])
    expect(parsed[0]?.params).toMatchObject({ scope: 'mcp:tools' })
    expect(parsed[0]?.params['resource_metadata']).toBeDefined()
  })
})

describe('scope options are checked', () => {
  it.each([
    [{ requiredScopes: [] }, /requiredScopes must name at least one scope/],
    [{ requiredScopes: ['two words'] }, /requiredScopes must be an array of scopes/],
    [{ requiredScopes: 'mcp:tools' }, /requiredScopes must be an array of scopes/],
    [{ challengeScopes: ['a"b'] }, /challengeScopes must be an array of scopes/],
  ])('validateRouteScopes(%j) throws a ConfigurationError', (options, message) => {
    expect(() => validateRouteScopes(options as never)).toThrow(ConfigurationError)
    expect(() => validateRouteScopes(options as never)).toThrow(message)
  })

  it('a wrong server-level challengeScopes fails at construction', () => {
    expect(() => server({ challengeScopes: ['a b'] })).toThrow(
      /challengeScopes must be an array of scopes/,
    )
    expect(() => server({ challengeScopes: 'mcp:tools' as never })).toThrow(ConfigurationError)
  })
})
