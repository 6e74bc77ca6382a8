import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthInfo } from './auth-info.js'
import { parseChallenges } from './challenge.js'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import { requireAnyScope, requireScope, type Requirement } from './requirements.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'
import { requireAuthentication } from './step-up.js'

const AUDIENCE = 'https://api.example.test'
const NOW_MS = 1_800_000_000_000
const nowSeconds = NOW_MS / 1000
let issuer: TestIssuer
let rs: ResourceServer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    resourceMetadata: { resource: AUDIENCE },
    now: () => NOW_MS,
    logger: false,
  })
})
afterAll(async () => {
  await issuer.close()
})

async function auth(claims: Record<string, unknown>): Promise<AuthInfo> {
  return rs.verifyToken(await issuer.sign({ iat: nowSeconds, exp: nowSeconds + 300, ...claims }))
}

/** Runs a requirement and returns its error with the parsed challenge parameters. */
function failure(
  rule: Requirement,
  subject: AuthInfo,
): OAuthError & { params: Record<string, string> } {
  try {
    rule.check(subject)
  } catch (error) {
    if (!isOAuthError(error)) throw error
    const [challenge] = parseChallenges(error.headers['WWW-Authenticate'] as string)
    return Object.assign(error, { params: { ...challenge?.params } })
  }
  throw new Error('expected the requirement to fail')
}

const at = { now: () => NOW_MS }

describe('requireAuthentication (RFC 9470 step-up)', () => {
  const mfa = requireAuthentication({ acrValues: ['urn:mfa'], ...at })

  it('accepts a token with an acceptable acr', async () => {
    await expect(auth({ acr: 'urn:mfa' }).then((a) => mfa.check(a))).resolves.toBeUndefined()
  })

  it('answers a weaker or missing acr with 401 insufficient_user_authentication and acr_values', async () => {
    for (const claims of [{ acr: 'urn:pwd' }, {}]) {
      const error = failure(mfa, await auth(claims))
      expect(error.status).toBe(401)
      expect(error.code).toBe('insufficient_user_authentication')
      expect(error.reason).toBe('authentication_too_weak')
      expect(error.params).toMatchObject({
        error: 'insufficient_user_authentication',
        acr_values: 'urn:mfa',
        realm: 'api',
      })
      expect(error.params['max_age']).toBeUndefined()
    }
  })

  it('lists several acr values in order, and accepts any of them', async () => {
    const either = requireAuthentication({ acrValues: ['a', 'b'], ...at })
    expect(failure(either, await auth({ acr: 'c' })).params['acr_values']).toBe('a b')
    await expect(auth({ acr: 'b' }).then((a) => either.check(a))).resolves.toBeUndefined()
  })

  it('checks auth_time against max_age', async () => {
    const recent = requireAuthentication({ maxAge: 300, ...at })
    await expect(
      auth({ auth_time: nowSeconds - 100 }).then((a) => recent.check(a)),
    ).resolves.toBeUndefined()
    for (const claims of [{ auth_time: nowSeconds - 400 }, {}]) {
      const error = failure(recent, await auth(claims))
      expect(error.status).toBe(401)
      expect(error.reason).toBe('authentication_too_old')
      expect(error.params).toMatchObject({ max_age: '300' })
      expect(error.params['acr_values']).toBeUndefined()
    }
  })

  it('puts acr_values and max_age in one challenge when both fail', async () => {
    const both = requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 60, ...at })
    const error = failure(both, await auth({ acr: 'urn:pwd', auth_time: nowSeconds - 3600 }))
    expect(error.params).toMatchObject({ acr_values: 'urn:mfa', max_age: '60' })
    expect(error.description).toContain('stronger')
    expect(error.description).toContain('more recent')
  })

  it('keeps resource_metadata in step-up challenges', async () => {
    const error = failure(mfa, await auth({}))
    expect(error.params['resource_metadata']).toBe(
      'https://api.example.test/.well-known/oauth-protected-resource',
    )
  })

  it('rejects policies that ask for nothing or malformed values at construction', () => {
    expect(() => requireAuthentication({})).toThrow(ConfigurationError)
    expect(() => requireAuthentication({ acrValues: ['has space'] })).toThrow(ConfigurationError)
    expect(() => requireAuthentication({ maxAge: -1 })).toThrow(ConfigurationError)
  })
})

describe('step-up together with scope requirements (rs.authorize)', () => {
  const mfa = requireAuthentication({ acrValues: ['urn:mfa'], ...at })

  /** Runs rs.authorize and returns its error with the parsed Bearer challenge parameters. */
  function authorizeFailure(
    subject: AuthInfo,
    ...rules: Requirement[]
  ): OAuthError & { params: Record<string, string> } {
    try {
      rs.authorize(subject, ...rules)
    } catch (error) {
      if (!isOAuthError(error)) throw error
      const [challenge] = parseChallenges(error.headers['WWW-Authenticate'] as string)
      return Object.assign(error, { params: { ...challenge?.params } })
    }
    throw new Error('expected authorize() to fail')
  }

  it('answers step-up first, whatever the order of the requirements', async () => {
    const subject = await auth({ acr: 'urn:pwd', scope: 'files:read' })
    const error = authorizeFailure(
      subject,
      requireScope('files:read', 'account:read'),
      requireAnyScope('archives:write', 'archives:admin'),
      mfa,
    )
    expect(error.status).toBe(401)
    expect(error.code).toBe('insufficient_user_authentication')
    expect(error.params).toMatchObject({
      error: 'insufficient_user_authentication',
      acr_values: 'urn:mfa',
    })
  })

  it('answers a scope-only failure with 403 insufficient_scope', async () => {
    const subject = await auth({ acr: 'urn:mfa', scope: 'files:read' })
    const error = authorizeFailure(subject, requireScope('files:write'), mfa)
    expect(error.status).toBe(403)
    expect(error.code).toBe('insufficient_scope')
    expect(error.params).toMatchObject({ scope: 'files:write' })
  })
})
