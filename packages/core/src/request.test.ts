import { describe, expect, it } from 'vitest'
import { headerValue, headerValues, type RequestLike } from './request.js'

function request(extra: Partial<RequestLike>): RequestLike {
  return { method: 'GET', url: '/', headers: {}, ...extra }
}

describe('headerValues', () => {
  it('reads a lower-case header record (Node IncomingHttpHeaders, Koa)', () => {
    expect(
      headerValues(request({ headers: { authorization: 'Bearer a' } }), 'Authorization'),
    ).toEqual(['Bearer a'])
    expect(headerValues(request({ headers: { 'x-a': ['1', '2'] } }), 'X-A')).toEqual(['1', '2'])
    expect(headerValues(request({ headers: {} }), 'authorization')).toEqual([])
  })

  it('reads a Fetch Headers object', () => {
    const headers = new Headers({ Authorization: 'Bearer a' })
    expect(headerValues(request({ headers }), 'authorization')).toEqual(['Bearer a'])
    expect(headerValues(request({ headers }), 'x-missing')).toEqual([])
  })

  it('prefers rawHeaders, matching names case-insensitively and keeping every value in order', () => {
    const req = request({
      headers: { authorization: 'Bearer collapsed' },
      rawHeaders: ['Authorization', 'Bearer a', 'Host', 'h', 'AUTHORIZATION', 'Bearer b'],
    })
    expect(headerValues(req, 'authorization')).toEqual(['Bearer a', 'Bearer b'])
    expect(headerValues(req, 'x-missing')).toEqual([])
  })

  it('ignores a dangling name at the end of an odd-length rawHeaders list', () => {
    expect(headerValues(request({ rawHeaders: ['Authorization'] }), 'authorization')).toEqual([])
  })

  it('does not match a header whose name only starts like the wanted one', () => {
    expect(
      headerValues(request({ rawHeaders: ['Authorization-X', 'v'] }), 'authorization'),
    ).toEqual([])
  })
})

describe('headerValue', () => {
  it('returns the first value, or undefined', () => {
    expect(headerValue(request({ headers: { 'content-type': ['a', 'b'] } }), 'Content-Type')).toBe(
      'a',
    )
    expect(
      headerValue(request({ headers: { 'content-type': 'text/plain' } }), 'content-type'),
    ).toBe('text/plain')
    expect(headerValue(request({ headers: {} }), 'content-type')).toBeUndefined()
    expect(headerValue(request({ headers: new Headers() }), 'content-type')).toBeUndefined()
    expect(
      headerValue(
        request({ headers: new Headers({ 'Content-Type': 'application/json' }) }),
        'Content-Type',
      ),
    ).toBe('application/json')
  })
})
