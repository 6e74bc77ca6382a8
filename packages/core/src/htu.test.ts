import { describe, expect, it } from 'vitest'
import { normalizeHtu, parsePublicOrigin, requestHtu } from './htu.js'

describe('normalizeHtu (RFC 3986 §6.2.2–6.2.3, RFC 9449 §4.3)', () => {
  it('lower-cases scheme and host, drops the default port, query and fragment', () => {
    expect(normalizeHtu('HTTPS://RESOURCE.example.org:443/protectedresource?a=1#x')).toBe(
      'https://resource.example.org/protectedresource',
    )
    expect(normalizeHtu('http://api.example.com:80/a')).toBe('http://api.example.com/a')
    expect(normalizeHtu('http://api.example.com:8080/a')).toBe('http://api.example.com:8080/a')
  })

  it('keeps the path case, resolves dot-segments and gives an empty path as /', () => {
    expect(normalizeHtu('https://api.example.com')).toBe('https://api.example.com/')
    expect(normalizeHtu('https://api.example.com/A/./b/../C')).toBe('https://api.example.com/A/C')
  })

  it('decodes percent-encoded unreserved characters and upper-cases the rest', () => {
    expect(normalizeHtu('https://api.example.com/%7euser/%2f%41')).toBe(
      'https://api.example.com/~user/%2FA',
    )
  })

  it('refuses non-HTTP URIs, relative references and userinfo', () => {
    expect(normalizeHtu('/files')).toBeUndefined()
    expect(normalizeHtu('urn:example:files')).toBeUndefined()
    expect(normalizeHtu('https://user:pass@api.example.com/files')).toBeUndefined()
  })
})

describe('requestHtu', () => {
  it('puts the request path on the public origin, which wins over the framework origin', () => {
    expect(requestHtu('/files?x=1', 'https://api.example.com', 'http://10.0.0.1:3000')).toBe(
      'https://api.example.com/files',
    )
    expect(requestHtu('/files#f', undefined, 'http://127.0.0.1:3000')).toBe(
      'http://127.0.0.1:3000/files',
    )
  })

  it('takes an absolute request URL as it is, unless a public origin is set', () => {
    expect(requestHtu('https://API.example.com/files?x', undefined, undefined)).toBe(
      'https://api.example.com/files',
    )
    expect(requestHtu('http://internal:8080/files', 'https://api.example.com', undefined)).toBe(
      'https://api.example.com/files',
    )
  })

  it('gives undefined without any origin, or for a target that is not a path', () => {
    expect(requestHtu('/files', undefined, undefined)).toBeUndefined()
    expect(requestHtu('*', 'https://api.example.com', undefined)).toBeUndefined()
    expect(requestHtu('api.example.com:443', 'https://api.example.com', undefined)).toBeUndefined()
  })

  it('keeps a path starting with // on the configured host', () => {
    expect(requestHtu('//evil.example/files', 'https://api.example.com', undefined)).toBe(
      'https://api.example.com//evil.example/files',
    )
  })
})

describe('parsePublicOrigin', () => {
  it('accepts an origin and normalises it', () => {
    expect(parsePublicOrigin('HTTPS://API.example.com:443')).toEqual({
      origin: 'https://api.example.com',
    })
    expect(parsePublicOrigin('https://api.example.com/')).toEqual({
      origin: 'https://api.example.com',
    })
  })

  it('refuses paths, queries, fragments, credentials and other schemes', () => {
    for (const value of [
      'https://api.example.com/v1',
      'https://api.example.com?x',
      'https://api.example.com#x',
      'https://u:p@api.example.com',
      'ws://api.example.com',
      'api.example.com',
      '',
      42,
    ]) {
      expect(parsePublicOrigin(value), String(value)).toHaveProperty('problem')
    }
  })
})
