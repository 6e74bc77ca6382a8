import { describe, expect, it } from 'vitest'
import { setRefusalContext, type AuthInfo } from './auth-info.js'
import { parseChallenges } from './challenge.js'
import {
  ConfigurationError,
  InsufficientScopeError,
  isOAuthError,
  type OAuthError,
} from './errors.js'
import {
  checkRequirements,
  requireAnyScope,
  requireClaim,
  requireScope,
  type Requirement,
} from './requirements.js'
import { createScopeReader, type ScopeOptions } from './scopes.js'

/** An auth object as the resource server builds it, with its scopes read by a real ScopeReader. */
function authWith(
  claims: Record<string, unknown>,
  scopeOptions: ScopeOptions = {},
  realm: string | null = 'files-api',
): AuthInfo {
  const reader = createScopeReader(scopeOptions)
  const scopes = reader.granted(claims)
  const auth: AuthInfo = {
    token: 'not-a-real-token',
    tokenType: 'Bearer',
    source: 'header',
    format: 'jwt',
    claims: { sub: 'user-123', ...claims },
    header: { alg: 'RS256', typ: 'at+jwt' },
    subject: 'user-123',
    clientId: 'client-abc',
    issuer: 'https://issuer.example.test',
    audience: ['https://api.example.test'],
    scopes,
    effectiveScopes: reader.effective(scopes),
    expiresAt: undefined,
    issuedAt: undefined,
    actors: [],
    mayAct: undefined,
    confirmation: undefined,
  }
  if (realm !== null) setRefusalContext(auth, { challengeParams: { realm }, report: () => {} })
  return auth
}

function failure(requirement: Requirement, auth: AuthInfo): OAuthError {
  try {
    requirement.check(auth)
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the requirement to fail')
}

function challengeOf(error: OAuthError): Record<string, string> {
  const [challenge] = parseChallenges(error.headers['WWW-Authenticate'] ?? '')
  expect(challenge?.scheme).toBe('Bearer')
  return { ...challenge?.params }
}

describe('requireScope', () => {
  it('passes when the token grants the scope', () => {
    expect(() =>
      requireScope('files:read').check(authWith({ scope: 'profile files:read' })),
    ).not.toThrow()
  })

  it('needs every listed scope: 403 insufficient_scope with all of them in the challenge', () => {
    const error = failure(
      requireScope('files:read', 'files:write'),
      authWith({ scope: 'files:read' }),
    )
    expect(error).toBeInstanceOf(InsufficientScopeError)
    expect(error.status).toBe(403)
    expect(error.code).toBe('insufficient_scope')
    expect(error.reason).toBe('missing_scope')
    expect((error as InsufficientScopeError).requiredScopes).toEqual(['files:read', 'files:write'])
    expect(challengeOf(error)).toEqual({
      realm: 'files-api',
      error: 'insufficient_scope',
      error_description: error.description,
      scope: 'files:read files:write',
    })
    expect(error.toJSON().error).toBe('insufficient_scope')
  })

  it('honours implications, in their direction only', () => {
    const implies = { 'files:write': ['files:read'], base: ['files:write'] }
    expect(() =>
      requireScope('files:read').check(authWith({ scope: 'base' }, { implies })),
    ).not.toThrow()
    expect(
      challengeOf(
        failure(requireScope('files:write'), authWith({ scope: 'files:read' }, { implies })),
      ).scope,
    ).toBe('files:write')
  })

  it('reads scp and permissions claims through the scope reader', () => {
    expect(() =>
      requireScope('a', 'b').check(authWith({ scp: ['a'], permissions: ['b'] })),
    ).not.toThrow()
  })

  it('is case-sensitive', () => {
    expect(failure(requireScope('files:read'), authWith({ scope: 'FILES:READ' })).status).toBe(403)
  })

  it('uses the default realm when the auth object carries no challenge parameters', () => {
    const error = failure(requireScope('x'), authWith({}, {}, null))
    expect(challengeOf(error).realm).toBe('api')
  })

  it('describes itself as data', () => {
    const requirement = requireScope('a', 'b')
    expect(requirement.kind).toBe('all-scopes')
    expect(requirement.scopes).toEqual(['a', 'b'])
    expect(Object.isFrozen(requirement.scopes)).toBe(true)
  })
})

describe('requireAnyScope', () => {
  it('passes with any one of the scopes', () => {
    const requirement = requireAnyScope('files:read', 'files:admin')
    expect(() => requirement.check(authWith({ scope: 'files:admin' }))).not.toThrow()
    expect(() => requirement.check(authWith({ scope: 'files:read' }))).not.toThrow()
    expect(requirement.kind).toBe('any-scope')
  })

  it('passes through an implied scope', () => {
    expect(() =>
      requireAnyScope('files:read').check(
        authWith({ scope: 'files:write' }, { implies: { 'files:write': ['files:read'] } }),
      ),
    ).not.toThrow()
  })

  it('fails with 403 listing the alternatives', () => {
    const error = failure(
      requireAnyScope('files:read', 'files:admin'),
      authWith({ scope: 'profile' }),
    )
    expect(error.status).toBe(403)
    expect(error.reason).toBe('missing_scope')
    expect(error.description).toMatch(/none of the scopes/)
    expect(challengeOf(error)).toMatchObject({
      realm: 'files-api',
      error: 'insufficient_scope',
      scope: 'files:read files:admin',
    })
  })
})

describe('requireClaim', () => {
  it('matches a value exactly', () => {
    const requirement = requireClaim('tenant', 'acme')
    expect(() => requirement.check(authWith({ tenant: 'acme' }))).not.toThrow()
    const error = failure(requirement, authWith({ tenant: 'other' }))
    expect(error).toBeInstanceOf(InsufficientScopeError)
    expect(error.status).toBe(403)
    expect(error.reason).toBe('claim_requirement')
    expect(error.description).toContain('tenant')
    expect(error.description).not.toContain('other')
    const challenge = challengeOf(error)
    expect(challenge).toMatchObject({ realm: 'files-api', error: 'insufficient_scope' })
    expect(challenge).not.toHaveProperty('scope')
    expect(requirement.kind).toBe('claim')
    expect(requirement.claim).toBe('tenant')
    expect(requirement.scopes).toEqual([])
  })

  it('matches an element of an array claim', () => {
    const requirement = requireClaim('roles', 'admin')
    expect(() => requirement.check(authWith({ roles: ['user', 'admin'] }))).not.toThrow()
    expect(failure(requirement, authWith({ roles: ['user'] })).status).toBe(403)
  })

  it('compares numbers and booleans strictly', () => {
    expect(() =>
      requireClaim('email_verified', true).check(authWith({ email_verified: true })),
    ).not.toThrow()
    expect(
      failure(requireClaim('email_verified', true), authWith({ email_verified: 'true' })).status,
    ).toBe(403)
    expect(failure(requireClaim('level', 2), authWith({ level: '2' })).status).toBe(403)
  })

  it('an expectation read from an unset variable fails at construction, not open', () => {
    const unset = process.env['SCOPEGUARD_TEST_UNSET_TENANT'] as string
    expect(() => requireClaim('tenant', unset)).toThrow(ConfigurationError)
  })

  it('fails when the claim is missing', () => {
    expect(failure(requireClaim('tenant', 'acme'), authWith({})).status).toBe(403)
  })

  it('runs a predicate with the value and all claims', () => {
    const calls: unknown[][] = []
    const requirement = requireClaim('acr', (value, claims) => {
      calls.push([value, claims['sub']])
      return value === 'urn:mfa'
    })
    expect(() => requirement.check(authWith({ acr: 'urn:mfa' }))).not.toThrow()
    expect(failure(requirement, authWith({ acr: 'urn:pwd' })).reason).toBe('claim_requirement')
    expect(calls).toEqual([
      ['urn:mfa', 'user-123'],
      ['urn:pwd', 'user-123'],
    ])
  })
})

describe('requireClaim includes', () => {
  it('requires every value in an array claim', () => {
    const requirement = requireClaim('roles', { includes: ['admin', 'billing'] })
    expect(() => requirement.check(authWith({ roles: ['user', 'billing', 'admin'] }))).not.toThrow()
    expect(failure(requirement, authWith({ roles: ['admin'] })).reason).toBe('claim_requirement')
    expect(failure(requirement, authWith({ roles: [] })).status).toBe(403)
  })

  it('splits a space-separated string claim', () => {
    const requirement = requireClaim('roles', { includes: 'admin' })
    expect(() => requirement.check(authWith({ roles: 'user admin' }))).not.toThrow()
    expect(() => requirement.check(authWith({ roles: 'admin' }))).not.toThrow()
    expect(() => requirement.check(authWith({ roles: ' admin  user ' }))).not.toThrow()
    expect(failure(requirement, authWith({ roles: 'administrator user' })).status).toBe(403)
    expect(failure(requirement, authWith({ roles: 'user,admin' })).status).toBe(403)
    const both = requireClaim('permissions', { includes: ['read:files', 'write:files'] })
    expect(() => both.check(authWith({ permissions: 'write:files read:files' }))).not.toThrow()
    expect(failure(both, authWith({ permissions: 'read:files' })).status).toBe(403)
  })

  it('fails on a missing claim or one of another type', () => {
    const requirement = requireClaim('roles', { includes: 'admin' })
    for (const roles of [undefined, 42, true, { admin: true }, null]) {
      expect(failure(requirement, authWith({ roles })).status, String(roles)).toBe(403)
    }
    // Array elements are compared exactly: a non-string element never matches.
    expect(failure(requireClaim('ids', { includes: '1' }), authWith({ ids: [1] })).status).toBe(403)
  })

  it.each([
    ['no values', { includes: [] }],
    ['an empty value', { includes: [''] }],
    ['a value with a space', { includes: 'admin editor' }],
    ['a non-string value', { includes: [1] }],
    ['an unknown member', { includes: 'admin', any: true }],
    ['an array expectation', ['admin']],
  ])('refuses %s at construction', (_what, expected) => {
    expect(() => requireClaim('roles', expected as never)).toThrow(ConfigurationError)
  })
})

describe('requireClaim description', () => {
  it('sends the custom description in the error and its challenge', () => {
    const requirement = requireClaim(
      'roles',
      { includes: 'admin' },
      { description: 'Only administrators may delete files' },
    )
    const error = failure(requirement, authWith({ roles: 'user' }))
    expect(error.description).toBe('Only administrators may delete files')
    expect(error.reason).toBe('claim_requirement')
    expect(challengeOf(error)['error_description']).toBe('Only administrators may delete files')
  })

  it('sanitises it once, like every description', () => {
    const requirement = requireClaim('tenant', 'acme', {
      description: 'Tenant "acme" only\\ — see\ndocs',
    })
    const error = failure(requirement, authWith({ tenant: 'other' }))
    expect(error.description).toBe("Tenant 'acme' only/  seedocs")
    expect(challengeOf(error)['error_description']).toBe(error.description)
  })

  it('keeps the generic description without one', () => {
    const error = failure(requireClaim('tenant', 'acme', {}), authWith({ tenant: 'x' }))
    expect(error.description).toBe("The access token's tenant claim does not allow this request")
  })

  it.each([
    ['an empty description', { description: '' }],
    ['a description with nothing printable', { description: '\n\té' }],
    ['a non-string description', { description: 42 }],
    ['an unknown option', { message: 'x' }],
    ['options that are not an object', 'Only admins'],
  ])('refuses %s at construction', (_what, options) => {
    expect(() => requireClaim('tenant', 'acme', options as never)).toThrow(
      /^scopeguard: requireClaim\(\): /,
    )
  })
})

describe('checkRequirements', () => {
  it('passes when all pass', () => {
    const auth = authWith({ scope: 'a b', tenant: 'acme' })
    expect(() =>
      checkRequirements(auth, [
        requireScope('a'),
        requireAnyScope('x', 'b'),
        requireClaim('tenant', 'acme'),
      ]),
    ).not.toThrow()
  })

  it('throws the first failure, in order', () => {
    const auth = authWith({ scope: 'a' })
    let error: unknown
    try {
      checkRequirements(auth, [
        requireScope('a'),
        requireClaim('tenant', 'acme'),
        requireScope('z'),
      ])
    } catch (e) {
      error = e
    }
    expect((error as OAuthError).reason).toBe('claim_requirement')
  })
})

describe('configuration errors', () => {
  it.each([
    ['no scopes', () => requireScope()],
    ['no alternatives', () => requireAnyScope()],
    ['an empty scope', () => requireScope('')],
    ['a scope with a space', () => requireScope('files:read files:write')],
    ['a scope with a quote', () => requireScope('a"b')],
    ['a scope with a backslash', () => requireAnyScope('a\\b')],
    ['a non-ASCII scope', () => requireScope('lecture:é')],
    ['a control character', () => requireAnyScope('a\nb')],
    ['a non-string scope', () => requireScope(42 as unknown as string)],
    ['an empty claim name', () => requireClaim('', 'x')],
    ['a non-string claim name', () => requireClaim(undefined as unknown as string, 'x')],
    ['an undefined expected value', () => requireClaim('tenant', undefined as unknown as string)],
    ['a null expected value', () => requireClaim('tenant', null as unknown as string)],
    ['an object as expected value', () => requireClaim('tenant', {} as unknown as string)],
  ])('throws a ConfigurationError at construction for %s', (_what, make) => {
    let error: unknown
    try {
      make()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as ConfigurationError).code).toBe('ERR_SCOPEGUARD_CONFIG')
    expect((error as Error).message).toMatch(/^scopeguard: require(Scope|AnyScope|Claim)\(\)/)
  })

  it('accepts every printable scope-token character', () => {
    expect(requireScope("!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~").scopes).toHaveLength(1)
  })
})
