import { describe, expect, it } from 'vitest'
import {
  insecureUrlProblem,
  isLoopback,
  learnedUrlProblem,
  redactText,
  redactUrl,
  upstreamUrlProblem,
  userinfoProblem,
} from './url-policy.js'

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

describe('userinfo', () => {
  it.each(['https://user:pw@as.example/', 'https://user@as.example/', 'https://:pw@as.example/'])(
    'refuses %s without repeating the credentials',
    (url) => {
      const problem = userinfoProblem(new URL(url))
      expect(problem).toBe(
        'https://as.example/ must not contain a user name or password (user:password@); pass credentials in their own options',
      )
      expect(upstreamUrlProblem(new URL(url), true)).toBe(problem)
    },
  )

  it('accepts URLs without userinfo', () => {
    expect(userinfoProblem(new URL('https://as.example/a?b=c'))).toBeUndefined()
    expect(upstreamUrlProblem(new URL('https://as.example/jwks'), false)).toBeUndefined()
  })
})

describe('learnedUrlProblem', () => {
  it('applies the configured-URL rules to a metadata member, naming it', () => {
    expect(learnedUrlProblem('jwks_uri', 'https://as.example/jwks', false)).toBeUndefined()
    expect(learnedUrlProblem('jwks_uri', 42, false)).toBe('jwks_uri is not a string')
    expect(learnedUrlProblem('jwks_uri', '/jwks', false)).toBe('jwks_uri "/jwks" is not a URL')
    expect(learnedUrlProblem('introspection_endpoint', 'http://as.example/i', false)).toMatch(
      /^introspection_endpoint: http:\/\/as\.example\/i uses http:/,
    )
    expect(learnedUrlProblem('introspection_endpoint', 'http://as.example/i', true)).toBeUndefined()
    expect(learnedUrlProblem('jwks_uri', 'https://u:secret@as.example/', true)).not.toContain(
      'secret',
    )
  })
})

describe('redaction', () => {
  it('drops userinfo, query and fragment from a URL, marking a dropped query', () => {
    expect(redactUrl('https://u:p@as.example:8443/jwks?key=s#f')).toBe(
      'https://as.example:8443/jwks?…',
    )
    expect(redactUrl('https://as.example/jwks')).toBe('https://as.example/jwks')
  })

  it('redacts every URL in free text, and userinfo even where the URL does not parse', () => {
    expect(
      redactText(
        'connect to redis://default:hunter2@cache:6379 failed; see https://x.example/?t=1',
      ),
    ).toBe('connect to redis://cache:6379 failed; see https://x.example/?…')
    expect(redactText('bad https://user:pass word@host:99999/x')).toBe('bad https://host:99999/x')
    expect(redactText('no URL here')).toBe('no URL here')
  })
})
