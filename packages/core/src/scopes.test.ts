import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidTokenError, isOAuthError, type OAuthError } from './errors.js'
import { createScopeReader } from './scopes.js'

function rejection(fn: () => unknown): OAuthError {
  try {
    fn()
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected an OAuthError')
}

describe('granted scopes', () => {
  const reader = createScopeReader()

  it('splits the RFC 9068 scope string on spaces and drops empty segments', () => {
    expect(reader.granted({ scope: '  files:read  files:write ' })).toEqual([
      'files:read',
      'files:write',
    ])
    expect(reader.granted({ scope: '' })).toEqual([])
  })

  it('reads an Okta scp array and an Entra scp string', () => {
    expect(reader.granted({ scp: ['files:read', 'profile'] })).toEqual(['files:read', 'profile'])
    expect(reader.granted({ scp: 'User.Read Files.Read' })).toEqual(['User.Read', 'Files.Read'])
  })

  it('reads Auth0 permissions', () => {
    expect(reader.granted({ scope: 'openid', permissions: ['read:items', 'write:items'] })).toEqual(
      ['openid', 'read:items', 'write:items'],
    )
  })

  it('returns the union of all claims, deduplicated, in token order', () => {
    expect(
      reader.granted({ scope: 'a b a', scp: ['b', 'c', ''], permissions: ['c', 'd', 'a'] }),
    ).toEqual(['a', 'b', 'c', 'd'])
  })

  it('is case-sensitive', () => {
    expect(reader.granted({ scope: 'Files:Read files:read' })).toEqual(['Files:Read', 'files:read'])
  })

  it('returns nothing for a token without scope claims', () => {
    expect(reader.granted({ sub: 'user-123', roles: ['admin'] })).toEqual([])
  })

  it.each([
    ['scope', { scope: 42 }],
    ['scope', { scope: true }],
    ['scope', { scope: { read: true } }],
    ['scope', { scope: null }],
    ['scp', { scp: ['a', 1] }],
    ['scp', { scp: [null] }],
    ['scope', { permissions: 'fine', scope: 7 }],
    ['permissions', { permissions: [['nested']] }],
  ])('rejects a malformed %s claim (%j) with 401 invalid_token', (claim, claims) => {
    const error = rejection(() => reader.granted(claims))
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('invalid_claim')
    expect(error.description).toContain(claim)
  })

  it('reads only the configured claims', () => {
    const roles = createScopeReader({ claims: ['roles'] })
    expect(roles.granted({ scope: 'ignored', roles: ['Admin', 'Reader'] })).toEqual([
      'Admin',
      'Reader',
    ])
    // a malformed claim that is not configured is not looked at
    expect(roles.granted({ scope: 42, roles: 'Admin' })).toEqual(['Admin'])
  })

  it('uses a custom map instead of the claims, dropping empty and non-string values', () => {
    const mapped = createScopeReader({
      map: (claims) => {
        const groups = claims['groups'] as string[]
        return [...groups.map((g) => `group:${g}`), '', 'group:a', 7 as unknown as string]
      },
    })
    expect(mapped.granted({ scope: 'not used', groups: ['a', 'b'] })).toEqual([
      'group:a',
      'group:b',
    ])
  })

  it('passes the claims to map and accepts any iterable', () => {
    const seen: unknown[] = []
    const mapped = createScopeReader({
      map: (claims) => {
        seen.push(claims)
        return new Set(['x', 'y'])
      },
    })
    const claims = { sub: 's' }
    expect(mapped.granted(claims)).toEqual(['x', 'y'])
    expect(seen).toEqual([claims])
  })
})

describe('effective scopes (implications)', () => {
  it('equals the granted scopes without implications', () => {
    expect([...createScopeReader().effective(['a', 'b'])]).toEqual(['a', 'b'])
  })

  it('adds directly implied scopes', () => {
    const reader = createScopeReader({
      implies: { 'files:write': ['files:read'], base: ['files'] },
    })
    expect(reader.effective(['files:write'])).toEqual(new Set(['files:write', 'files:read']))
    expect(reader.effective(['base'])).toEqual(new Set(['base', 'files']))
  })

  it('does not imply in the other direction', () => {
    const reader = createScopeReader({ implies: { 'files:write': ['files:read'] } })
    expect(reader.effective(['files:read']).has('files:write')).toBe(false)
  })

  it('applies implications transitively', () => {
    const reader = createScopeReader({
      implies: { admin: ['base'], base: ['files:write', 'profile'], 'files:write': ['files:read'] },
    })
    expect(reader.effective(['admin'])).toEqual(
      new Set(['admin', 'base', 'files:write', 'profile', 'files:read']),
    )
  })

  it('is safe with cycles and self-implication', () => {
    const reader = createScopeReader({ implies: { a: ['b'], b: ['c'], c: ['a', 'c'], d: ['d'] } })
    expect(reader.effective(['b'])).toEqual(new Set(['b', 'c', 'a']))
    expect(reader.effective(['d'])).toEqual(new Set(['d']))
  })

  it('ignores names that only exist on Object.prototype', () => {
    const reader = createScopeReader({ implies: { a: ['constructor', 'toString'] } })
    expect(reader.effective(['a'])).toEqual(new Set(['a', 'constructor', 'toString']))
    expect(reader.effective(['constructor'])).toEqual(new Set(['constructor']))
  })
})

describe('properties', () => {
  const scopeToken = fc.string({
    unit: fc.constantFrom(...'abcXY:._-'),
    minLength: 1,
    maxLength: 6,
  })
  const claimValue = fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary' }),
    fc.array(fc.oneof(scopeToken, fc.string({ unit: 'binary' }))),
    fc.array(fc.jsonValue(), { maxLength: 4 }),
  )
  const claims = fc.record(
    { scope: claimValue, scp: claimValue, permissions: claimValue, other: fc.jsonValue() },
    { requiredKeys: [] },
  )

  it('parsing any claims throws nothing but an OAuthError, and never returns empty or duplicate scopes', () => {
    const reader = createScopeReader()
    fc.assert(
      fc.property(claims, (c) => {
        let scopes: string[]
        try {
          scopes = reader.granted(c)
        } catch (error) {
          expect(isOAuthError(error)).toBe(true)
          expect(error).toBeInstanceOf(InvalidTokenError)
          return
        }
        expect(new Set(scopes).size).toBe(scopes.length)
        for (const scope of scopes) {
          expect(typeof scope).toBe('string')
          expect(scope).not.toBe('')
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('a well-formed scope string yields exactly its distinct tokens', () => {
    const reader = createScopeReader()
    fc.assert(
      fc.property(fc.array(scopeToken), fc.integer({ min: 1, max: 3 }), (tokens, spaces) => {
        const scope = tokens.join(' '.repeat(spaces))
        expect(reader.granted({ scope })).toEqual([...new Set(tokens)])
      }),
    )
  })

  it('effective scopes contain the granted ones and are closed under implication', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')
    const implies = fc.dictionary(name, fc.array(name, { maxLength: 4 }))
    fc.assert(
      fc.property(implies, fc.array(name, { maxLength: 4 }), (graph, granted) => {
        const effective = createScopeReader({ implies: graph }).effective(granted)
        for (const scope of granted) expect(effective.has(scope)).toBe(true)
        for (const scope of effective) {
          for (const implied of graph[scope] ?? []) expect(effective.has(implied)).toBe(true)
        }
        // and nothing is added that is not reachable from a granted scope
        const reachable = new Set(granted)
        const stack = [...granted]
        while (stack.length > 0) {
          for (const next of graph[stack.pop() as string] ?? []) {
            if (!reachable.has(next)) {
              reachable.add(next)
              stack.push(next)
            }
          }
        }
        expect(effective).toEqual(reachable)
      }),
      { numRuns: 1000 },
    )
  })
})
