import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseChallenges } from './challenge.js'
import {
  InvalidRequestError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
  type OAuthError,
} from './errors.js'
import { extractToken, resolveExtraction, type ExtractionOptions } from './extract.js'
import type { RequestLike } from './request.js'

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const FORM = 'application/x-www-form-urlencoded'

function request(extra: Partial<RequestLike> = {}): RequestLike {
  return { method: 'GET', url: '/files', headers: {}, ...extra }
}

function withAuthorization(value: string, extra: Partial<RequestLike> = {}): RequestLike {
  return request({ headers: { authorization: value }, ...extra })
}

function extract(req: RequestLike, options: ExtractionOptions = {}) {
  return extractToken(req, resolveExtraction(options))
}

/** Runs `fn`, which must throw an OAuthError, and returns that error. */
function rejection(fn: () => unknown): OAuthError {
  try {
    fn()
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected an OAuthError')
}

function expectInvalidRequest(fn: () => unknown, reason: string): void {
  const error = rejection(fn)
  expect(error).toBeInstanceOf(InvalidRequestError)
  expect(error.status).toBe(400)
  expect(error.code).toBe('invalid_request')
  expect(error.reason).toBe(reason)
  expect(parseChallenges(error.headers['WWW-Authenticate'] ?? '')[0]?.params['error']).toBe(
    'invalid_request',
  )
}

function expectMissingToken(fn: () => unknown, reason = 'no_token'): MissingTokenError {
  const error = rejection(fn)
  expect(error).toBeInstanceOf(MissingTokenError)
  expect(error.status).toBe(401)
  expect(error.code).toBe('missing_token')
  expect(error.reason).toBe(reason)
  const [challenge] = parseChallenges(error.headers['WWW-Authenticate'] ?? '')
  expect(challenge?.scheme).toBe('Bearer')
  expect(challenge?.params).not.toHaveProperty('error')
  return error as MissingTokenError
}

function formPost(body: unknown, extra: Partial<RequestLike> = {}): RequestLike {
  return request({ method: 'POST', headers: { 'content-type': FORM }, body, ...extra })
}

describe('resolveExtraction', () => {
  it('has everything but the Authorization header off by default, and an 8192 limit', () => {
    expect(resolveExtraction()).toEqual({
      body: false,
      queryParam: undefined,
      legacyHeader: false,
      maxTokenLength: 8192,
    })
  })

  it('maps query: true to access_token and a string to that name', () => {
    expect(resolveExtraction({ query: true }).queryParam).toBe('access_token')
    expect(resolveExtraction({ query: 'ssoToken' }).queryParam).toBe('ssoToken')
    expect(resolveExtraction({ query: false }).queryParam).toBeUndefined()
  })

  it('lets per-route options override the server defaults, and inherits the rest', () => {
    const base = resolveExtraction({ query: true, body: true, maxTokenLength: 100 })
    expect(resolveExtraction({ query: false }, base)).toEqual({
      body: true,
      queryParam: undefined,
      legacyHeader: false,
      maxTokenLength: 100,
    })
    expect(resolveExtraction({}, base)).toEqual(base)
  })
})

describe('Authorization header (RFC 6750 §2.1)', () => {
  it.each(['Bearer abc', 'bearer abc', 'BEARER abc', 'Bearer   abc', '  Bearer abc  '])(
    'reads the token from %j',
    (value) => {
      expect(extract(withAuthorization(value))).toEqual({ token: 'abc', source: 'header' })
    },
  )

  it.each(['mF_9.B5f-4.1JqM', 'abc==', 'a~b+c/d', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'])(
    'accepts the b64token %j',
    (token) => {
      expect(extract(withAuthorization(`Bearer ${token}`)).token).toBe(token)
    },
  )

  it.each([
    ['Bearer a=b', '"=" inside the token'],
    ['Bearer', 'no token'],
    ['bearer', 'no token, lower case'],
    ['Bearer   ', 'only spaces after the scheme'],
    ['Bearer a b', 'a space inside the token'],
    ['Bearer a,b', 'a comma inside the token'],
    ['Bearer\tabc', 'a tab as the separator'],
    ['Bearer  \tabc', 'a tab after spaces'],
    ['Bearer abc\ndef', 'a newline inside the token'],
    ['Bearer =abc', 'padding first'],
    ['Bearer abc"', 'a quote'],
  ])('rejects %j with 400 invalid_request (%s)', (value) => {
    expectInvalidRequest(() => extract(withAuthorization(value)), 'malformed_header')
  })

  it('treats another scheme as no token: 401 without an error code', () => {
    const error = expectMissingToken(
      () => extract(withAuthorization('Basic dXNlcjpwYXNz')),
      'unsupported_scheme',
    )
    expect(error.description).toMatch(/Bearer/)
  })

  it('treats a bare value without a scheme as no token when legacy mode is off', () => {
    expectMissingToken(() => extract(withAuthorization('abc.def')), 'unsupported_scheme')
  })

  it('answers a request without credentials with 401 and no error code', () => {
    expectMissingToken(() => extract(request()))
    expectMissingToken(() => extract(request({ headers: { authorization: [] } })))
  })

  it('rejects two Authorization fields seen in rawHeaders (Node keeps only one in headers)', () => {
    const req = request({
      headers: { authorization: 'Bearer abc' },
      rawHeaders: ['Host', 'api', 'Authorization', 'Bearer abc', 'authorization', 'Bearer def'],
    })
    expectInvalidRequest(() => extract(req), 'multiple_methods')
  })

  it('rejects two Authorization fields even when only one uses Bearer', () => {
    const req = request({
      rawHeaders: ['Authorization', 'Basic dXNlcjpwYXNz', 'AUTHORIZATION', 'Bearer abc'],
    })
    expectInvalidRequest(() => extract(req), 'multiple_methods')
  })

  it('prefers rawHeaders over headers when both are given', () => {
    const req = request({
      headers: { authorization: 'Bearer from-headers' },
      rawHeaders: ['Content-Type', 'text/plain', 'Authorization', 'Bearer from-raw'],
    })
    expect(extract(req).token).toBe('from-raw')
  })

  it('rejects a header record holding two values', () => {
    const req = request({ headers: { authorization: ['Bearer a', 'Bearer b'] } })
    expectInvalidRequest(() => extract(req), 'multiple_methods')
  })

  it('reads a Fetch Headers object', () => {
    const headers = new Headers({ Authorization: 'Bearer abc' })
    expect(extract(request({ headers }))).toEqual({ token: 'abc', source: 'header' })
    expectMissingToken(() => extract(request({ headers: new Headers() })))
  })

  it('rejects two Authorization fields joined by a Fetch Headers object', () => {
    const headers = new Headers()
    headers.append('Authorization', 'Bearer a')
    headers.append('Authorization', 'Bearer b')
    expectInvalidRequest(() => extract(request({ headers })), 'malformed_header')
  })
})

describe('legacy raw-token header', () => {
  it('reads a scheme-less token when enabled', () => {
    expect(extract(withAuthorization('abc.def'), { legacyHeader: true })).toEqual({
      token: 'abc.def',
      source: 'legacy-header',
    })
  })

  it('still reads Bearer tokens and still rejects a bare "Bearer" when enabled', () => {
    expect(extract(withAuthorization('Bearer abc'), { legacyHeader: true }).source).toBe('header')
    expectInvalidRequest(
      () => extract(withAuthorization('Bearer'), { legacyHeader: true }),
      'malformed_header',
    )
  })

  it('ignores values that are not b64tokens or carry another scheme', () => {
    expectMissingToken(
      () => extract(withAuthorization('abc,def'), { legacyHeader: true }),
      'unsupported_scheme',
    )
    expectMissingToken(
      () => extract(withAuthorization('Basic dXNlcjpwYXNz'), { legacyHeader: true }),
      'unsupported_scheme',
    )
  })
})

describe('form body parameter (RFC 6750 §2.2)', () => {
  it('is not read by default', () => {
    expectMissingToken(() => extract(formPost({ access_token: 'abc' })))
  })

  it('reads access_token from a POST with a URL-encoded body when enabled', () => {
    expect(extract(formPost({ access_token: 'abc', other: 'x' }), { body: true })).toEqual({
      token: 'abc',
      source: 'body',
    })
  })

  it('accepts a content type with parameters and in another case', () => {
    const req = formPost(
      { access_token: 'abc' },
      { headers: { 'content-type': 'Application/X-WWW-Form-URLEncoded; charset=utf-8' } },
    )
    expect(extract(req, { body: true }).token).toBe('abc')
  })

  it.each(['GET', 'HEAD', 'get'])('does not read a body on %s', (method) => {
    expectMissingToken(() => extract(formPost({ access_token: 'abc' }, { method }), { body: true }))
  })

  it.each(['application/json', 'multipart/form-data; boundary=x', 'text/plain'])(
    'does not read a %s body',
    (type) => {
      const req = formPost({ access_token: 'abc' }, { headers: { 'content-type': type } })
      expectMissingToken(() => extract(req, { body: true }))
    },
  )

  it('does not read a body without a content type', () => {
    const req = request({ method: 'POST', body: { access_token: 'abc' } })
    expectMissingToken(() => extract(req, { body: true }))
  })

  it('rejects a repeated access_token parameter (parsed as an array)', () => {
    expectInvalidRequest(
      () => extract(formPost({ access_token: ['a', 'b'] }), { body: true }),
      'multiple_methods',
    )
  })

  it('rejects a body token that is not a b64token, e.g. non-ASCII', () => {
    expectInvalidRequest(
      () => extract(formPost({ access_token: 'tokén' }), { body: true }),
      'malformed_header',
    )
    expectInvalidRequest(
      () => extract(formPost({ access_token: 'a b' }), { body: true }),
      'malformed_header',
    )
  })

  it('reads a Fetch Headers content type', () => {
    const req = formPost(
      { access_token: 'abc' },
      { headers: new Headers({ 'Content-Type': FORM }) },
    )
    expect(extract(req, { body: true }).token).toBe('abc')
  })
})

describe('query parameter (RFC 6750 §2.3)', () => {
  it('is not read by default: 401 without an error code', () => {
    expectMissingToken(() => extract(request({ url: '/files?access_token=abc' })))
  })

  it('reads access_token when enabled with true', () => {
    expect(extract(request({ url: '/files?x=1&access_token=abc' }), { query: true })).toEqual({
      token: 'abc',
      source: 'query',
    })
  })

  it('reads from an absolute URL and ignores the fragment', () => {
    const req = request({ url: 'https://api.example.test/files?access_token=abc#access_token=zzz' })
    expect(extract(req, { query: true }).token).toBe('abc')
  })

  it('decodes percent-encoding', () => {
    expect(extract(request({ url: '/f?access_token=a%2Bb%3D' }), { query: true }).token).toBe(
      'a+b=',
    )
  })

  it('reads a custom parameter name and then ignores access_token as a source', () => {
    expect(extract(request({ url: '/img?ssoToken=abc' }), { query: 'ssoToken' })).toEqual({
      token: 'abc',
      source: 'query',
    })
    expectMissingToken(() =>
      extract(request({ url: '/img?access_token=abc' }), { query: 'ssoToken' }),
    )
  })

  it('rejects a repeated query parameter', () => {
    expectInvalidRequest(
      () => extract(request({ url: '/f?access_token=a&access_token=b' }), { query: true }),
      'multiple_methods',
    )
    expectInvalidRequest(
      () => extract(request({ url: '/f?ssoToken=a&ssoToken=a' }), { query: 'ssoToken' }),
      'multiple_methods',
    )
  })

  it('rejects a query token that is not a b64token ("+" decodes to a space)', () => {
    expectInvalidRequest(
      () => extract(request({ url: '/f?access_token=a+b' }), { query: true }),
      'malformed_header',
    )
    expectInvalidRequest(
      () => extract(request({ url: '/f?access_token=' }), { query: true }),
      'malformed_header',
    )
  })
})

describe('one method per request (RFC 6750 §2)', () => {
  const header = { authorization: 'Bearer abc' }

  it('rejects a header token plus a body token', () => {
    const req = formPost({ access_token: 'abc' }, { headers: { ...header, 'content-type': FORM } })
    expectInvalidRequest(() => extract(req, { body: true }), 'multiple_methods')
  })

  it('rejects a header token plus a body token even when body tokens are not read', () => {
    const req = formPost({ access_token: 'abc' }, { headers: { ...header, 'content-type': FORM } })
    expectInvalidRequest(() => extract(req), 'multiple_methods')
  })

  it.each(['GET', 'HEAD', 'DELETE'])(
    'rejects a header token plus a parsed form access_token on %s, whether or not body tokens are read',
    (method) => {
      const req = formPost(
        { access_token: 'abc' },
        { method, headers: { ...header, 'content-type': FORM } },
      )
      expectInvalidRequest(() => extract(req), 'multiple_methods')
      expectInvalidRequest(() => extract(req, { body: true }), 'multiple_methods')
    },
  )

  it('rejects a query token plus a form access_token on a GET', () => {
    const req = formPost({ access_token: 'abc' }, { method: 'GET', url: '/f?access_token=abc' })
    expectInvalidRequest(() => extract(req, { query: true }), 'multiple_methods')
  })

  it('still reads no body token on a GET', () => {
    expectMissingToken(() =>
      extract(formPost({ access_token: 'abc' }, { method: 'GET' }), { body: true }),
    )
  })

  it('rejects a header token plus a query token', () => {
    const req = request({ headers: header, url: '/f?access_token=abc' })
    expectInvalidRequest(() => extract(req, { query: true }), 'multiple_methods')
  })

  it('rejects a header token plus an access_token query parameter that is not read', () => {
    const req = request({ headers: header, url: '/f?access_token=abc' })
    expectInvalidRequest(() => extract(req), 'multiple_methods')
  })

  it('rejects a custom query token plus a standard access_token parameter', () => {
    const req = request({ url: '/f?ssoToken=abc&access_token=def' })
    expectInvalidRequest(() => extract(req, { query: 'ssoToken' }), 'multiple_methods')
  })

  it('rejects a body token plus a query token', () => {
    const req = formPost({ access_token: 'abc' }, { url: '/f?access_token=abc' })
    expectInvalidRequest(() => extract(req, { body: true, query: true }), 'multiple_methods')
  })

  it('does not count a Basic header as a second method', () => {
    const req = request({
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      url: '/f?access_token=abc',
    })
    expect(extract(req, { query: true })).toEqual({ token: 'abc', source: 'query' })
  })

  it('does not count access_token in the path or in a JSON body', () => {
    const req = request({
      method: 'POST',
      url: '/access_token/1?x=access_token',
      headers: { ...header, 'content-type': 'application/json' },
      body: { access_token: 'abc' },
    })
    expect(extract(req)).toEqual({ token: 'abc', source: 'header' })
  })
})

describe('maxTokenLength', () => {
  it('applies only to Bearer tokens: a long header of another scheme is still no token', () => {
    const error = rejection(() =>
      extract(withAuthorization(`Basic ${'a'.repeat(200)}`), { maxTokenLength: 10 }),
    )
    expect(error.code).toBe('missing_token')
    expect(error.reason).toBe('unsupported_scheme')
  })

  it('accepts a token of exactly the limit', () => {
    expect(extract(withAuthorization('Bearer 0123456789'), { maxTokenLength: 10 }).token).toBe(
      '0123456789',
    )
  })

  it('rejects a longer header token with 401 invalid_token, reason token_too_long', () => {
    const error = rejection(() =>
      extract(withAuthorization('Bearer 0123456789a'), { maxTokenLength: 10 }),
    )
    expect(error).toBeInstanceOf(InvalidTokenError)
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('token_too_long')
    expect(error.description).not.toContain('0123456789a')
  })

  it('rejects a huge header before parsing it, with the default limit', () => {
    const error = rejection(() => extract(withAuthorization(`Bearer ${'a'.repeat(100_000)}`)))
    expect(error.reason).toBe('token_too_long')
  })

  it('applies to query and body tokens as well', () => {
    const long = 'a'.repeat(11)
    expect(
      rejection(() =>
        extract(request({ url: `/f?access_token=${long}` }), {
          query: true,
          maxTokenLength: 10,
        }),
      ).reason,
    ).toBe('token_too_long')
    expect(
      rejection(() => extract(formPost({ access_token: long }), { body: true, maxTokenLength: 10 }))
        .reason,
    ).toBe('token_too_long')
  })
})

describe('properties', () => {
  const b64char = fc.constantFrom(...'AZaz09-._~+/=')
  /** Authorization values near the grammar: a scheme-ish word, separators, token-ish text. */
  const nearGrammar = fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', '', 'Bearer,'),
      fc.string({ unit: fc.constantFrom(' ', '\t', ',', '='), maxLength: 3 }),
      fc.string({
        unit: fc.oneof(b64char, fc.constantFrom(' ', '\t', ',', '"', 'é')),
        maxLength: 20,
      }),
    )
    .map(([scheme, sep, rest]) => `${scheme}${sep}${rest}`)
  const headerString = fc.oneof(fc.string({ unit: 'binary' }), nearGrammar)

  const options = fc
    .record({
      body: fc.boolean(),
      query: fc.oneof(fc.boolean(), fc.constant('ssoToken')),
      legacyHeader: fc.boolean(),
      maxTokenLength: fc.integer({ min: 1, max: 40 }),
    })
    .map((o) => resolveExtraction(o))

  function checkOutcome(req: RequestLike, resolved: ReturnType<typeof resolveExtraction>): void {
    let result
    try {
      result = extractToken(req, resolved)
    } catch (error) {
      expect(isOAuthError(error)).toBe(true)
      expect([400, 401]).toContain((error as OAuthError).status)
      return
    }
    expect(result.token).toMatch(B64TOKEN)
    expect(result.token.length).toBeLessThanOrEqual(resolved.maxTokenLength)
    expect(['header', 'body', 'query', 'legacy-header']).toContain(result.source)
  }

  it('on any Authorization header only throws OAuthErrors, and tokens are b64tokens', () => {
    fc.assert(
      fc.property(headerString, options, (value, resolved) => {
        checkOutcome(withAuthorization(value), resolved)
      }),
      { numRuns: 2000 },
    )
  })

  it('on any RequestLike shape only throws OAuthErrors, and tokens are b64tokens', () => {
    const headerValue = fc.oneof(
      fc.constant(undefined),
      headerString,
      fc.array(headerString, { maxLength: 3 }),
    )
    const queryPart = fc.string({
      unit: fc.oneof(b64char, fc.constantFrom('&', '?', '#', '%', ' ', 'é')),
      maxLength: 20,
    })
    const url = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc
        .tuple(
          fc.constantFrom('/f', 'https://api.example.test/f', '/access_token'),
          fc.constantFrom('access_token', 'ssoToken', 'x'),
          queryPart,
          fc.option(fc.tuple(fc.constantFrom('access_token', 'ssoToken'), queryPart)),
        )
        .map(([path, name, value, again]) =>
          again === null
            ? `${path}?${name}=${value}`
            : `${path}?${name}=${value}&${again[0]}=${again[1]}`,
        ),
    )
    const body = fc.oneof(
      fc.constant(undefined),
      fc.anything(),
      fc.record({ access_token: fc.oneof(headerString, fc.array(headerString), fc.jsonValue()) }),
    )
    const contentType = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(FORM, `${FORM}; charset=utf-8`, 'application/json', 'multipart/form-data'),
      fc.string(),
      fc.array(fc.constantFrom(FORM, 'text/plain'), { maxLength: 2 }),
    )
    const rawHeaders = fc.option(
      fc.array(fc.oneof(fc.constantFrom('Authorization', 'authorization', 'Host'), headerString), {
        maxLength: 7,
      }),
      { nil: undefined },
    )
    const req = fc.record({
      method: fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'put', 'DELETE'), fc.string()),
      url,
      headers: fc.record({ authorization: headerValue, 'content-type': contentType }),
      rawHeaders,
      body,
    })
    fc.assert(
      fc.property(req, options, (r, resolved) => {
        checkOutcome(r as RequestLike, resolved)
      }),
      { numRuns: 3000 },
    )
  })

  it('on a Fetch Headers object only throws OAuthErrors', () => {
    fc.assert(
      fc.property(headerString, options, (value, resolved) => {
        let headers: Headers
        try {
          headers = new Headers({ authorization: value })
        } catch {
          fc.pre(false)
          return
        }
        checkOutcome(request({ headers }), resolved)
      }),
      { numRuns: 1000 },
    )
  })
})

describe('Authorization: DPoP (RFC 9449 §7.1)', () => {
  const withPolicy = (req: RequestLike, dpop: 'disabled' | 'allowed' | 'required') =>
    extractToken(req, { ...resolveExtraction(), dpop })

  it('reads the DPoP scheme case-insensitively when DPoP is allowed or required', () => {
    for (const scheme of ['DPoP', 'dpop', 'DPOP']) {
      expect(withPolicy(withAuthorization(`${scheme} abc.def`), 'allowed')).toEqual({
        token: 'abc.def',
        source: 'header',
        scheme: 'DPoP',
      })
    }
    expect(withPolicy(withAuthorization('DPoP abc'), 'required').scheme).toBe('DPoP')
    expect(withPolicy(withAuthorization('Bearer abc'), 'allowed')).toEqual({
      token: 'abc',
      source: 'header',
    })
  })

  it('treats DPoP as another scheme when disabled (and by default)', () => {
    for (const error of [
      rejection(() => withPolicy(withAuthorization('DPoP abc'), 'disabled')),
      rejection(() => extract(withAuthorization('DPoP abc'))),
    ]) {
      expect(error).toBeInstanceOf(MissingTokenError)
      expect(error.reason).toBe('unsupported_scheme')
    }
    const allowed = rejection(() => withPolicy(withAuthorization('Basic abc'), 'allowed'))
    expect(allowed.description).toBe(
      'The Authorization header does not use the Bearer or DPoP scheme',
    )
  })

  it('applies the token68 rules, the length limit and the one-header rule to DPoP too', () => {
    for (const value of ['DPoP', 'DPoP a b', 'DPoP a,b', 'DPoP\tabc']) {
      const error = rejection(() => withPolicy(withAuthorization(value), 'allowed'))
      expect(error, value).toBeInstanceOf(InvalidRequestError)
    }
    const long = rejection(() =>
      withPolicy(withAuthorization(`DPoP ${'a'.repeat(9000)}`), 'allowed'),
    )
    expect(long.reason).toBe('token_too_long')
    const twice = rejection(() =>
      withPolicy(
        request({ rawHeaders: ['Authorization', 'DPoP abc', 'authorization', 'DPoP abc'] }),
        'allowed',
      ),
    )
    expect(twice.status).toBe(400)
    expect(twice.reason).toBe('multiple_methods')
  })

  it('refuses Bearer tokens from every place when DPoP is required', () => {
    for (const req of [
      withAuthorization('Bearer abc'),
      request({ url: '/files?access_token=abc' }),
    ]) {
      const error = rejection(() =>
        extractToken(req, { ...resolveExtraction({ query: true }), dpop: 'required' }),
      )
      expect(error).toBeInstanceOf(InvalidTokenError)
      expect(error.reason).toBe('bearer_downgrade')
    }
  })
})
