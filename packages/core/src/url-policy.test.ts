import { describe, expect, it } from 'vitest'
import { insecureUrlProblem, isLoopback } from './url-policy.js'

describe('isLoopback', () => {
  it.each([
    'http://localhost/',
    'http://localhost:8080/jwks',
    'http://api.localhost/',
    'http://127.0.0.1:3000/',
    'http://127.255.255.254/',
    'http://127.1/', // the URL parser normalises this to 127.0.0.1
    'http://[::1]:8080/',
  ])('treats %s as loopback', (url) => {
    expect(isLoopback(new URL(url))).toBe(true)
  })

  it.each([
    'http://10.0.0.1/',
    'http://128.0.0.1/',
    'http://example.com/',
    'http://localhost.example.com/',
    'http://127.0.0.1.nip.io/',
    'http://[::2]/',
  ])('does not treat %s as loopback', (url) => {
    expect(isLoopback(new URL(url))).toBe(false)
  })
})

describe('insecureUrlProblem', () => {
  it('accepts https anywhere and http on loopback', () => {
    expect(insecureUrlProblem(new URL('https://issuer.example.com/jwks'), false)).toBeUndefined()
    expect(insecureUrlProblem(new URL('http://127.0.0.1:9999/jwks'), false)).toBeUndefined()
    expect(insecureUrlProblem(new URL('http://localhost/jwks'), false)).toBeUndefined()
  })

  it('refuses http outside loopback, saying how to allow it', () => {
    expect(insecureUrlProblem(new URL('http://issuer.example.com/jwks'), false)).toBe(
      'http://issuer.example.com/jwks uses http:; use https:, or set allowInsecureHttp: true (for local testing only)',
    )
  })

  it('allows http outside loopback only with allowInsecureHttp', () => {
    expect(insecureUrlProblem(new URL('http://issuer.example.com/jwks'), true)).toBeUndefined()
  })

  it.each(['ftp://issuer.example.com/jwks', 'file:///etc/jwks.json', 'ws://127.0.0.1/'])(
    'refuses %s even with allowInsecureHttp',
    (url) => {
      expect(insecureUrlProblem(new URL(url), true)).toBe(
        `${new URL(url).href} must be an https: URL`,
      )
    },
  )
})
