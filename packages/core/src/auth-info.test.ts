import { describe, expect, it } from 'vitest'
import { setRefusalContext, challengeParamsOf, parseActors, type AuthInfo } from './auth-info.js'
import { InvalidTokenError } from './errors.js'

function malformed(act: unknown): InvalidTokenError {
  try {
    parseActors(act)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTokenError)
    return error as InvalidTokenError
  }
  throw new Error('expected the act claim to be rejected')
}

function chain(depth: number): Record<string, unknown> | undefined {
  let act: Record<string, unknown> | undefined
  for (let i = depth; i > 0; i--) act = { sub: `actor-${i}`, ...(act ? { act } : {}) }
  return act
}

describe('parseActors (RFC 8693 §4.1)', () => {
  it('returns no actors without an act claim', () => {
    expect(parseActors(undefined)).toEqual([])
  })

  it('lists the chain closest actor first, each without its nested act', () => {
    const actors = parseActors({
      sub: 'service-a',
      client_id: 'svc-a',
      iss: 'https://issuer.example.test',
      extra: 1,
      act: { sub: 'service-b', act: { client_id: 'svc-c' } },
    })
    expect(actors).toEqual([
      {
        subject: 'service-a',
        clientId: 'svc-a',
        issuer: 'https://issuer.example.test',
        claims: {
          sub: 'service-a',
          client_id: 'svc-a',
          iss: 'https://issuer.example.test',
          extra: 1,
        },
      },
      {
        subject: 'service-b',
        clientId: undefined,
        issuer: undefined,
        claims: { sub: 'service-b' },
      },
      { subject: undefined, clientId: 'svc-c', issuer: undefined, claims: { client_id: 'svc-c' } },
    ])
  })

  it('accepts a chain of ten actors and rejects eleven', () => {
    expect(parseActors(chain(10))).toHaveLength(10)
    expect(malformed(chain(11)).reason).toBe('invalid_claim')
  })

  it.each([
    ['a string', 'service-a'],
    ['null', null],
    ['an array', [{ sub: 'a' }]],
    ['a nested non-object', { sub: 'a', act: 'b' }],
    ['a non-string sub', { sub: 42 }],
    ['a non-string client_id', { client_id: ['x'] }],
    ['a non-string iss deeper down', { sub: 'a', act: { iss: {} } }],
  ])('rejects an act claim that is %s with 401 invalid_token', (_what, act) => {
    const error = malformed(act)
    expect(error.status).toBe(401)
    expect(error.reason).toBe('invalid_claim')
    expect(error.description).toContain('act claim')
  })
})

describe('challenge parameters on an auth object', () => {
  it('are hidden from enumeration and JSON, and read back by challengeParamsOf', () => {
    const auth = { token: 't', claims: {} } as unknown as AuthInfo
    expect(challengeParamsOf(auth)).toEqual({})
    setRefusalContext(auth, { challengeParams: { realm: 'files' }, report: () => {} })
    expect(challengeParamsOf(auth)).toEqual({ realm: 'files' })
    expect(auth.refusalContext?.challengeParams).toEqual({ realm: 'files' })
    expect(Object.keys(auth)).toEqual(['token', 'claims'])
    expect(JSON.stringify(auth)).toBe('{"token":"t","claims":{}}')
  })
})
