import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  formatChallenge,
  parseChallenges,
  sanitizeChallengeValue,
  type ChallengeParams,
} from './challenge.js'

/** RFC 6750 §3: the characters allowed in `error`, `error_description` and `scope` values. */
const RFC6750_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

describe('sanitizeChallengeValue', () => {
  it('replaces " with \' and \\ with /, and drops control and non-ASCII characters', () => {
    expect(sanitizeChallengeValue('say "hi"')).toBe("say 'hi'")
    expect(sanitizeChallengeValue('C:\\path')).toBe('C:/path')
    expect(sanitizeChallengeValue('line1\nline2\r\tend')).toBe('line1line2end')
    expect(sanitizeChallengeValue('café')).toBe('caf')
    expect(sanitizeChallengeValue('\u0000\u007f\u0080😀')).toBe('')
  })

  it('keeps every printable ASCII character other than " and \\ unchanged', () => {
    let printable = ''
    for (let code = 0x20; code <= 0x7e; code++) {
      if (code !== 0x22 && code !== 0x5c) printable += String.fromCharCode(code)
    }
    expect(sanitizeChallengeValue(printable)).toBe(printable)
  })
})

describe('formatChallenge', () => {
  it('quotes every value, in the order given', () => {
    expect(
      formatChallenge('Bearer', {
        realm: 'example',
        error: 'invalid_token',
        error_description: 'The access token expired',
      }),
    ).toBe(
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
    )
  })

  it('sanitises an error_description with ", \\, a newline and é, and the result still parses', () => {
    const header = formatChallenge('Bearer', {
      realm: 'api',
      error: 'invalid_token',
      error_description: 'bad "token"\\ here\nnext line é',
    })
    expect(header).toBe(
      `Bearer realm="api", error="invalid_token", error_description="bad 'token'/ herenext line "`,
    )
    expect(header).not.toMatch(/[\r\n]/)
    const [challenge] = parseChallenges(header)
    expect(challenge?.params['error_description']).toBe("bad 'token'/ herenext line ")
    expect(challenge?.params['error_description']).toMatch(RFC6750_VALUE)
  })

  it('leaves out undefined values', () => {
    expect(formatChallenge('Bearer', { realm: 'api', scope: undefined, error: 'x' })).toBe(
      'Bearer realm="api", error="x"',
    )
  })

  it('quotes an empty value instead of dropping it', () => {
    expect(formatChallenge('Bearer', { realm: '' })).toBe('Bearer realm=""')
  })

  it('refuses a parameter given twice in different case (each param at most once)', () => {
    expect(() => formatChallenge('Bearer', { realm: 'a', REALM: 'b' })).toThrow(TypeError)
    expect(() => formatChallenge('Bearer', { Scope: 'a', scope: 'b' })).toThrow(/auth-param/)
  })

  it('refuses parameter names and schemes that are not RFC 9110 tokens', () => {
    expect(() => formatChallenge('Bearer', { 'bad name': 'x' })).toThrow(TypeError)
    expect(() => formatChallenge('Bearer', { 'a=b': 'x' })).toThrow(TypeError)
    expect(() => formatChallenge('Bear er', { realm: 'x' })).toThrow(/auth-scheme/)
    expect(() => formatChallenge('', { realm: 'x' })).toThrow(TypeError)
  })
})

describe('parseChallenges', () => {
  it('parses the RFC 6750 §3 examples', () => {
    expect(parseChallenges('Bearer realm="example"')).toEqual([
      { scheme: 'Bearer', params: { realm: 'example' } },
    ])
    expect(
      parseChallenges(
        'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      ),
    ).toEqual([
      {
        scheme: 'Bearer',
        params: {
          realm: 'example',
          error: 'invalid_token',
          error_description: 'The access token expired',
        },
      },
    ])
  })

  it('splits several challenges in one field (Bearer and DPoP)', () => {
    expect(
      parseChallenges('Bearer realm="a", error="invalid_token", DPoP algs="ES256 PS256"'),
    ).toEqual([
      { scheme: 'Bearer', params: { realm: 'a', error: 'invalid_token' } },
      { scheme: 'DPoP', params: { algs: 'ES256 PS256' } },
    ])
  })

  it('parses the RFC 9110 §11.6.1 example with a token value and an escaped quote', () => {
    expect(
      parseChallenges(
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      ),
    ).toEqual([
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'Basic', params: { realm: 'simple' } },
    ])
  })

  it('reads a token68 challenge', () => {
    expect(parseChallenges('Basic dXNlcjpwYXNz')).toEqual([
      { scheme: 'Basic', params: {}, token68: 'dXNlcjpwYXNz' },
    ])
    expect(parseChallenges('Negotiate abc==, Bearer realm="x"')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'abc==' },
      { scheme: 'Bearer', params: { realm: 'x' } },
    ])
  })

  it('reads a scheme with no parameters', () => {
    expect(parseChallenges('Bearer')).toEqual([{ scheme: 'Bearer', params: {} }])
    expect(parseChallenges('Basic, Bearer realm="x"')).toEqual([
      { scheme: 'Basic', params: {} },
      { scheme: 'Bearer', params: { realm: 'x' } },
    ])
  })

  it('skips empty list elements and surrounding whitespace', () => {
    expect(parseChallenges(' , Bearer realm="a" ,, , error="e",  , Basic x== , ')).toEqual([
      { scheme: 'Bearer', params: { realm: 'a', error: 'e' } },
      { scheme: 'Basic', params: {}, token68: 'x==' },
    ])
    expect(parseChallenges('')).toEqual([])
    expect(parseChallenges(' ,, ')).toEqual([])
  })

  it('lower-cases parameter names and allows whitespace around "="', () => {
    expect(parseChallenges('Bearer Realm = "a", ERROR=invalid_token')).toEqual([
      { scheme: 'Bearer', params: { realm: 'a', error: 'invalid_token' } },
    ])
  })

  it.each([
    ['an unterminated quoted-string', 'Bearer realm="abc'],
    ['a duplicate parameter', 'Bearer realm="a", realm="b"'],
    ['a duplicate parameter in another case', 'Bearer realm="a", REALM="b"'],
    ['parameters without a comma', 'Bearer realm="a" error="b"'],
    ['a parameter without a scheme', '="x"'],
    ['a control character in a quoted-string', 'Bearer realm="a\nb"'],
    ['DEL in a quoted-string', 'Bearer realm="a\x7fb"'],
    ['a scheme followed by a quote', 'Bearer"realm"'],
    ['junk after a token68', 'Basic abc def'],
    ['a lone backslash at the end', 'Bearer realm="a\\'],
    ['a non-token character where a scheme belongs', 'Bearer realm="a", @'],
  ])('throws a SyntaxError on %s', (_what, header) => {
    expect(() => parseChallenges(header)).toThrow(SyntaxError)
  })
})

/** RFC 9110 token characters, for generating parameter names. */
const tokenChar = fc.constantFrom(
  ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
)
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 })

describe('properties', () => {
  it('a formatted challenge always parses back to its sanitised params (any unicode values)', () => {
    const params = fc.uniqueArray(fc.tuple(token, fc.string({ unit: 'binary' })), {
      selector: ([name]) => name.toLowerCase(),
      maxLength: 6,
    })
    fc.assert(
      fc.property(token, params, (scheme, entries) => {
        const header = formatChallenge(scheme, Object.fromEntries(entries) as ChallengeParams)
        const parsed = parseChallenges(header)
        const expected = Object.fromEntries(
          entries.map(([name, value]) => [name.toLowerCase(), sanitizeChallengeValue(value)]),
        )
        expect(parsed).toHaveLength(1)
        expect(parsed[0]?.scheme).toBe(scheme)
        expect(parsed[0]?.token68).toBeUndefined()
        expect({ ...parsed[0]?.params }).toEqual(expected)
        for (const value of Object.values(expected)) expect(value).toMatch(RFC6750_VALUE)
      }),
      { numRuns: 500 },
    )
  })

  it('two formatted challenges joined with ", " parse back as two challenges', () => {
    const params = fc.dictionary(
      fc.constantFrom('realm', 'scope', 'error', 'error_description'),
      fc.string({ unit: 'binary' }),
      { minKeys: 1 },
    )
    fc.assert(
      fc.property(params, params, (a, b) => {
        const header = `${formatChallenge('Bearer', a)}, ${formatChallenge('DPoP', b)}`
        const parsed = parseChallenges(header)
        expect(parsed.map((c) => c.scheme)).toEqual(['Bearer', 'DPoP'])
        expect({ ...parsed[1]?.params }).toEqual(
          Object.fromEntries(Object.entries(b).map(([k, v]) => [k, sanitizeChallengeValue(v)])),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('parseChallenges on arbitrary strings returns or throws a SyntaxError, nothing else', () => {
    const header = fc.oneof(
      fc.string({ unit: 'binary' }),
      // strings built from the grammar's own characters reach much deeper into the parser
      fc.string({ unit: fc.constantFrom(...'Bearer realm=", \\\tabc=/+~'), maxLength: 40 }),
    )
    fc.assert(
      fc.property(header, (value) => {
        try {
          const parsed = parseChallenges(value)
          for (const challenge of parsed)
            expect(challenge.scheme).toMatch(/^[!#$%&'*+\-.^_`|~\w]+$/)
        } catch (error) {
          expect(error).toBeInstanceOf(SyntaxError)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
