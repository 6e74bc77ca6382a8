import { describe, expect, it } from 'vitest'
import { normalizeHtu, parsePublicOrigin } from './htu.js'

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
