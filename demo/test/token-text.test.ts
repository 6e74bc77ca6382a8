import { describe, expect, it } from 'vitest'
import {
  decodeJwt,
  formatJson,
  looksLikeJwt,
  shortenAuthorization,
  shortenToken,
  tamperSignature,
} from '../src/token-text.js'

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = `${b64({ alg: 'RS256', typ: 'at+jwt' })}.${b64({ sub: 'demo-app' })}.${'s'.repeat(342)}`

describe('shortenToken', () => {
  it('keeps the first characters and tells the length', () => {
    expect(shortenToken(jwt)).toBe(`eyJhbGciOi…(${jwt.length} chars)`)
  })
  it('leaves short values alone', () => {
    expect(shortenToken('abc')).toBe('abc')
  })
  it('shortens only the credentials of an Authorization header', () => {
    expect(shortenAuthorization(`Bearer ${jwt}`)).toBe(`Bearer eyJhbGciOi…(${jwt.length} chars)`)
  })
})

describe('decodeJwt', () => {
  it('decodes header and payload', () => {
    expect(looksLikeJwt(jwt)).toBe(true)
    expect(decodeJwt(jwt)).toEqual({
      header: { alg: 'RS256', typ: 'at+jwt' },
      payload: { sub: 'demo-app' },
    })
  })
  it('rejects things that are not a JWS', () => {
    expect(() => decodeJwt('abc')).toThrow(TypeError)
    expect(() => decodeJwt(`${b64([1])}.${b64({})}.x`)).toThrow(TypeError)
  })
})

describe('tamperSignature', () => {
  it('changes exactly one character, in the middle of the signature', () => {
    const tampered = tamperSignature(jwt)
    expect(tampered).toHaveLength(jwt.length)
    const diffs = [...jwt].flatMap((char, i) => (char === tampered[i] ? [] : [i]))
    expect(diffs).toHaveLength(1)
    expect(diffs[0]).toBeGreaterThan(jwt.lastIndexOf('.') + 100)
    expect(tampered.split('.').slice(0, 2)).toEqual(jwt.split('.').slice(0, 2))
  })
  it('needs a signature', () => {
    expect(() => tamperSignature('no-dots')).toThrow(TypeError)
  })
})

describe('formatJson', () => {
  it('shortens tokens inside JSON bodies', () => {
    expect(formatJson({ access_token: jwt, expires_in: 600 })).toBe(
      `{\n  "access_token": "eyJhbGciOi…(${jwt.length} chars)",\n  "expires_in": 600\n}`,
    )
  })
})
