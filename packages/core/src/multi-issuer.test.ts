import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const API_A = 'https://api.a.example'
const API_B = 'https://api.b.example'
let a: TestIssuer
let b: TestIssuer
let stranger: TestIssuer

beforeAll(async () => {
  a = await createTestIssuer({ audience: API_A })
  b = await createTestIssuer({ audience: API_B, path: '/tenant-b' })
  stranger = await createTestIssuer({ audience: API_A })
})
afterAll(async () => {
  await Promise.all([a.close(), b.close(), stranger.close()])
})

function request(token: string, host = 'api.example'): RequestLike {
  return { method: 'GET', url: '/files', headers: { authorization: `Bearer ${token}`, host } }
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected a rejection')
}

describe('a static list of issuers', () => {
  const server = () =>
    createResourceServer({
      issuers: [
        { issuer: a.issuer, audience: API_A },
        { issuer: b.issuer, audience: API_B },
      ],
      logger: false,
    })

  it('accepts each listed issuer with its own audience and keys', async () => {
    const rs = server()
    expect((await rs.authenticate(request(await a.sign()))).issuer).toBe(a.issuer)
    expect((await rs.authenticate(request(await b.sign()))).issuer).toBe(b.issuer)
    expect(rs.issuers).toEqual([a.issuer, b.issuer])
  })

  it("rejects one issuer's token carrying another issuer's audience", async () => {
    const error = await rejection(server().authenticate(request(await b.sign({ aud: API_A }))))
    expect(error.reason).toBe('audience_mismatch')
  })

  it('never contacts an issuer that is not listed (no SSRF through iss)', async () => {
    stranger.resetCounts()
    const error = await rejection(server().authenticate(request(await stranger.sign())))
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('issuer_mismatch')
    expect(stranger.requestCount('all')).toBe(0)
  })

  it('names no issuer in errors, for unknown issuers and forged iss claims alike', async () => {
    const rs = server()
    const unknown = await rejection(rs.authenticate(request(await stranger.sign())))
    // signed by A but claiming B: B's rules apply, and none of B's keys matches
    const forged = await rejection(rs.authenticate(request(await a.sign({ iss: b.issuer }))))
    expect(forged.code).toBe('invalid_token')
    expect(forged.reason).toBe('no_matching_key')
    for (const error of [unknown, forged]) {
      const text = `${error.description} ${error.headers['WWW-Authenticate']}`
      expect(text).not.toContain(a.origin)
      expect(text).not.toContain(b.origin)
    }
  })

  it('uses the resource server audience as the default of each issuer', async () => {
    const rs = createResourceServer({
      audience: API_A,
      issuers: [{ issuer: a.issuer }, { issuer: stranger.issuer }],
    })
    await expect(rs.authenticate(request(await stranger.sign()))).resolves.toBeDefined()
    expect(rs.audiences).toEqual([API_A])
  })
})

describe('issuers resolved per request', () => {
  it('picks the issuer from the request and caches resolved configurations', async () => {
    b.resetCounts()
    let calls = 0
    const rs = createResourceServer({
      issuers: [{ issuer: a.issuer, audience: API_A }],
      resolveIssuer: (req) => {
        calls++
        const host = (req.headers as Record<string, string>)['host']
        if (host === 'a.example') return a.issuer
        if (host === 'b.example') return { issuer: b.issuer, audience: API_B }
        return undefined
      },
      // the test issuers listen on loopback, which resolved tenants may not reach by default
      privateNetworks: 'allow',
      logger: false,
    })
    expect((await rs.authenticate(request(await a.sign(), 'a.example'))).issuer).toBe(a.issuer)
    for (let i = 0; i < 3; i++) {
      expect((await rs.authenticate(request(await b.sign(), 'b.example'))).issuer).toBe(b.issuer)
    }
    expect(calls).toBe(4)
    expect(b.requestCount('jwks')).toBe(1)
    // A's token at tenant B is judged by B's rules: B has no key for it
    const wrongTenant = await rejection(rs.authenticate(request(await a.sign(), 'b.example')))
    expect(wrongTenant.code).toBe('invalid_token')
    const sameKeys = await rejection(
      rs.authenticate(request(await b.sign({ iss: a.issuer, aud: API_B }), 'b.example')),
    )
    expect(sameKeys.reason).toBe('issuer_mismatch')
    // a request of no known tenant gets the same answer as a token of an unknown issuer
    const noTenant = await rejection(rs.authenticate(request(await a.sign(), 'c.example')))
    expect(noTenant.status).toBe(401)
    expect(noTenant.description).toBe(sameKeys.description)
  })

  it('supports an async resolver', async () => {
    const rs = createResourceServer({
      audience: API_A,
      resolveIssuer: async () => ({ issuer: a.issuer }),
      privateNetworks: 'allow',
    })
    await expect(rs.authenticate(request(await a.sign()))).resolves.toMatchObject({
      issuer: a.issuer,
    })
  })

  it('refuses a token whose resolved configuration is invalid with 401 (never a request-time ConfigurationError, a 500), and logs why', async () => {
    const errors: string[] = []
    const rs = createResourceServer({
      audience: API_A,
      resolveIssuer: () => ({ issuer: 'http://tenant.example.com' }),
      logger: {
        warn: () => {},
        error: (message, details) => errors.push(`${message} ${String(details?.['cause'])}`),
      },
    })
    const error = await rejection(rs.authenticate(request(await a.sign())))
    expect(error).not.toBeInstanceOf(ConfigurationError)
    expect([error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'issuer_mismatch',
    ])
    expect(errors).toEqual([expect.stringMatching(/invalid issuer configuration.*https/)])
  })
})

describe('multi-issuer configuration errors', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'issuer and issuers together',
      { issuer: 'https://a.example', issuers: [{ issuer: 'https://b.example' }], audience: API_A },
      /either issuer or issuers/,
    ],
    ['no issuer at all', { audience: API_A }, /issuer is required/],
    ['an empty issuers list', { issuers: [], audience: API_A }, /non-empty array/],
    [
      'a duplicate issuer',
      {
        issuers: [{ issuer: 'https://a.example' }, { issuer: 'https://a.example' }],
        audience: API_A,
      },
      /twice/,
    ],
    [
      'a typo inside issuers',
      { issuers: [{ issuer: 'https://a.example', jwksURI: 'x' }], audience: API_A },
      /unknown option "issuers\[0\]\.jwksURI"/,
    ],
    [
      'an issuer without an audience',
      { issuers: [{ issuer: 'https://a.example' }] },
      /issuers\[0\]\.audience must be/,
    ],
    [
      'key options without an issuer',
      {
        issuers: [{ issuer: 'https://a.example' }],
        audience: API_A,
        jwksUri: 'https://a.example/jwks',
      },
      /belong to an issuer/,
    ],
    [
      'two introspecting issuers without a resolver',
      {
        audience: API_A,
        issuers: [
          { issuer: 'https://a.example', introspection: { clientId: 'rs', clientSecret: 's' } },
          { issuer: 'https://b.example', introspection: { clientId: 'rs', clientSecret: 's' } },
        ],
      },
      /add resolveIssuer/,
    ],
    [
      'opaque tokens without introspection',
      { issuer: 'https://a.example', audience: API_A, tokenFormat: 'opaque' },
      /needs introspection settings/,
    ],
    [
      'introspection without a client id',
      { issuer: 'https://a.example', audience: API_A, introspection: { clientSecret: 's' } },
      /introspection\.clientId is required/,
    ],
    [
      'introspection without a secret',
      { issuer: 'https://a.example', audience: API_A, introspection: { clientId: 'rs' } },
      /introspection\.clientSecret is required/,
    ],
    [
      'private_key_jwt without a key',
      {
        issuer: 'https://a.example',
        audience: API_A,
        introspection: { clientId: 'rs', authMethod: 'private_key_jwt' },
      },
      /introspection\.privateKey is required/,
    ],
  ]
  for (const [name, options, message] of cases) {
    it(`rejects ${name} at construction`, () => {
      expect(() => createResourceServer(options as never)).toThrow(message)
    })
  }
})
