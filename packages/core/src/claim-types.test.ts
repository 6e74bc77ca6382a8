import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkClaimTypes } from './claim-types.js'
import { isOAuthError } from './errors.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'rs', clientSecret: 'secret' }],
  })
})
afterAll(async () => {
  await issuer.close()
})

const bearer = (token: string): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
})

/** `status code reason`, or `ok` when accepted. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    return isOAuthError(error) ? `${error.status} ${error.code} ${error.reason}` : String(error)
  }
}

const jwtServer = (strict: boolean) =>
  createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, strict, logger: silentLogger })

const introspectingServer = (strict: boolean) =>
  createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    strict,
    logger: silentLogger,
    tokenFormat: 'opaque',
    introspection: {
      endpoint: issuer.introspectionEndpoint,
      clientId: 'rs',
      clientSecret: 'secret',
    },
  })

const WRONG_TYPES: [string, Record<string, unknown>][] = [
  ['sub: 1', { sub: 1 }],
  ['client_id: ["x"]', { client_id: ['x'] }],
  ['jti: true', { jti: true }],
  ['azp: {}', { azp: {} }],
  ['aud with a non-string member', { aud: [AUDIENCE, 5] }],
  ['scope: 7', { scope: 7 }],
  ['scope with a non-string member', { scope: ['files:read', 1] }],
]

describe('registered claim types in JWTs', () => {
  for (const strict of [true, false]) {
    it.each(WRONG_TYPES)(
      `refuses %s with 401 invalid_claim (strict: ${strict})`,
      async (_, claims) => {
        const token = await issuer.sign(claims)
        expect(await outcome(jwtServer(strict).authenticate(bearer(token)))).toBe(
          '401 invalid_token invalid_claim',
        )
      },
    )
  }

  it('names the claim in the description', async () => {
    const token = await issuer.sign({ client_id: ['x'], azp: 'other-client' })
    const error = await jwtServer(false)
      .authenticate(bearer(token))
      .catch((e: unknown) => e)
    expect(isOAuthError(error) && error.description).toBe(
      'The client_id claim of the access token is malformed',
    )
  })

  it('accepts well-typed claims and fills AuthInfo from them in strict mode', async () => {
    const token = await issuer.sign({ aud: [AUDIENCE, 'other'], scope: 'a b' })
    const auth = await jwtServer(true).authenticate(bearer(token))
    expect(auth.subject).toBe('user-123')
    expect(auth.clientId).toBe('client-abc')
    expect(auth.audience).toEqual([AUDIENCE, 'other'])
    expect(auth.scopes).toEqual(['a', 'b'])
  })

  it('takes a scope array outside strict mode only; scp arrays in both', async () => {
    const arrayScope = await issuer.sign({ scope: ['a', 'b'] })
    expect((await jwtServer(false).authenticate(bearer(arrayScope))).scopes).toEqual(['a', 'b'])
    expect(await outcome(jwtServer(true).authenticate(bearer(arrayScope)))).toBe(
      '401 invalid_token invalid_claim',
    )
    const scp = await issuer.sign({ scp: ['a', 'b'] })
    expect((await jwtServer(true).authenticate(bearer(scp))).scopes).toEqual(['a', 'b'])
  })

  it('still requires the RFC 9068 claims to be present in strict mode', async () => {
    const token = await issuer.sign({ jti: undefined })
    expect(await outcome(jwtServer(true).authenticate(bearer(token)))).toBe(
      '401 invalid_token missing_claim',
    )
    expect(await outcome(jwtServer(false).authenticate(bearer(token)))).toBe('ok')
  })
})

describe('registered claim types in introspection results', () => {
  for (const strict of [true, false]) {
    it.each([...WRONG_TYPES, ['iat: "yesterday"', { iat: 'yesterday' }]] as [
      string,
      Record<string, unknown>,
    ][])(`refuses %s with 401 invalid_claim (strict: ${strict})`, async (_, claims) => {
      const token = issuer.issueOpaque(claims)
      expect(await outcome(introspectingServer(strict).authenticate(bearer(token)))).toBe(
        '401 invalid_token invalid_claim',
      )
    })
  }

  it('takes a scope array outside strict mode only', async () => {
    const token = issuer.issueOpaque({ scope: ['a', 'b'] })
    expect((await introspectingServer(false).authenticate(bearer(token))).scopes).toEqual([
      'a',
      'b',
    ])
    expect(await outcome(introspectingServer(true).authenticate(bearer(token)))).toBe(
      '401 invalid_token invalid_claim',
    )
  })

  it('does not require RFC 9068 claims of an introspection result (RFC 7662 makes them optional)', async () => {
    const token = issuer.issueOpaque({ sub: undefined, jti: undefined, client_id: undefined })
    const auth = await introspectingServer(true).authenticate(bearer(token))
    expect(auth.subject).toBeUndefined()
  })
})

describe('checkClaimTypes', () => {
  it('refuses an empty aud array only in strict mode', () => {
    expect(() => checkClaimTypes({ aud: [] }, true)).toThrow(/aud claim/)
    expect(() => checkClaimTypes({ aud: [] }, false)).not.toThrow()
  })

  it('ignores claims it does not know', () => {
    expect(() => checkClaimTypes({ tenant: 5, roles: {} }, true)).not.toThrow()
  })
})
