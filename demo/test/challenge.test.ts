import { describe, expect, it } from 'vitest'
import { parseChallenge } from '../src/challenge.js'
import type { DemoResponse } from '../src/exchange.js'
import { describe as describeExpectation, field, problemsWith } from '../src/expectation.js'

describe('parseChallenge', () => {
  it('reads the scheme and quoted or token params', () => {
    expect(
      parseChallenge('Bearer realm="api", error="insufficient_scope", scope="files:write", x=1'),
    ).toEqual({
      scheme: 'Bearer',
      params: { realm: 'api', error: 'insufficient_scope', scope: 'files:write', x: '1' },
    })
  })
  it('handles a missing header', () => {
    expect(parseChallenge(null)).toEqual({ scheme: undefined, params: {} })
  })
})

const response = (overrides: Partial<DemoResponse>): DemoResponse => ({
  status: 200,
  statusText: 'OK',
  wwwAuthenticate: null,
  contentType: 'application/json',
  body: undefined,
  text: '',
  ...overrides,
})

describe('problemsWith', () => {
  it('passes a matching insufficient_scope response', () => {
    const res = response({
      status: 403,
      wwwAuthenticate: 'Bearer realm="api", error="insufficient_scope", scope="files:write"',
      body: { error: 'insufficient_scope', error_description: 'needs files:write' },
    })
    const expected = { status: 403, error: 'insufficient_scope', challengeScope: 'files:write' }
    expect(problemsWith(res, expected)).toEqual([])
    expect(describeExpectation(expected)).toBe('403 insufficient_scope')
  })
  it('wants no error code when no token was sent', () => {
    const ok = response({ status: 401, wwwAuthenticate: 'Bearer realm="api"' })
    expect(problemsWith(ok, { status: 401, error: null })).toEqual([])
    const bad = response({ status: 401, wwwAuthenticate: 'Bearer error="invalid_token"' })
    expect(problemsWith(bad, { status: 401, error: null })).toHaveLength(1)
  })
  it('reports a wrong status, missing challenge and body mismatch', () => {
    const res = response({ status: 200, body: { sub: 'someone' } })
    expect(problemsWith(res, { status: 401, error: 'invalid_token' })).toHaveLength(3)
    expect(problemsWith(res, { status: 200, body: [field('sub', 'demo-app')] })).toEqual([
      'expected "sub": "demo-app" in the body, got "someone"',
    ])
  })
})
