// The guard's per-handler record on the request: one handler (every HTTP request) is kept without
// a map, a second handler on the same request (GraphQL resolvers) upgrades it to one.
import type { AuthInfo } from '@scopeguard/core'
import { describe, expect, it } from 'vitest'
import { readAuth, setAuth } from '../src/internal/request-auth.js'

const authOf = (subject: string): AuthInfo<object> => ({ subject }) as unknown as AuthInfo<object>

function query(): void {}
function field(): void {}
function other(): void {}

describe('setAuth / readAuth', () => {
  it('keeps the result of the one handler checked on a request, and refuses any other handler', () => {
    const request = {}
    const auth = authOf('alice')
    setAuth(request, auth, query)
    expect(readAuth(request, query)).toBe(auth)
    expect((request as { auth?: unknown }).auth).toBe(auth)
    expect(() => readAuth(request, other)).toThrow(/did not check/)
  })

  it('keeps each handler its own result once a second handler is checked on the same request', () => {
    const request = {}
    const first = authOf('alice')
    setAuth(request, first, query)
    setAuth(request, undefined, field)
    expect(readAuth(request, query)).toBe(first)
    expect(readAuth(request, field)).toBeUndefined()
    const third = authOf('bob')
    setAuth(request, third, other)
    expect(readAuth(request, query)).toBe(first)
    expect(readAuth(request, field)).toBeUndefined()
    expect(readAuth(request, other)).toBe(third)
  })

  it('takes the latest result when the same handler is checked again', () => {
    const request = {}
    setAuth(request, authOf('alice'), query)
    setAuth(request, undefined, query)
    expect(readAuth(request, query)).toBeUndefined()
    expect(() => readAuth(request, field)).toThrow(/did not check/)
  })

  it('refuses a request the guard never saw', () => {
    expect(() => readAuth({}, query)).toThrow(/did not check/)
    expect(() => readAuth(undefined, query)).toThrow(/did not check/)
  })
})
