import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { numRuns } from '../test/num-runs.js'
import { isOAuthError, type OAuthError } from './errors.js'
import { normalizeHtu } from './htu.js'
import type { RequestLike } from './request.js'
import { originOf, requestHtu } from './request-origin.js'

const PUBLIC = 'https://api.example.com'

/** A request as an adapter hands it over: the scheme, the raw Host header and the target. */
function request(url: string, host?: string, extra: Partial<RequestLike> = {}): RequestLike {
  return {
    method: 'GET',
    url,
    protocol: 'http',
    headers: host === undefined ? {} : { host },
    ...extra,
  }
}

function refusal(run: () => unknown): OAuthError {
  try {
    run()
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('originOf (RFC 9110 §7.2 Host, RFC 3986 §3.2.2 host and §3.2.3 port)', () => {
  it.each([
    ['api.example.com', 'http://api.example.com'],
    ['API.Example.COM', 'http://api.example.com'],
    ['api.example.com:80', 'http://api.example.com'],
    ['api.example.com:8080', 'http://api.example.com:8080'],
    ['api.example.com:08080', 'http://api.example.com:8080'],
    ['api.example.com:', 'http://api.example.com'],
    ['127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['[::1]', 'http://[::1]'],
    ['[::1]:8080', 'http://[::1]:8080'],
    ['[2001:DB8::1]:443', 'http://[2001:db8::1]:443'],
    ['localhost:0', 'http://localhost:0'],
    ['localhost:65535', 'http://localhost:65535'],
    ['a-b_c~d.example', 'http://a-b_c~d.example'],
  ])('accepts %j as %s', (host, origin) => {
    expect(originOf('http', host)).toBe(origin)
  })

  it.each([
    ['host/intended?', 'a path and query'],
    ['host/intended', 'a path'],
    ['host?x', 'a query'],
    ['host#x', 'a fragment'],
    ['a@b', 'userinfo'],
    ['user:pass@host', 'userinfo with a password'],
    ['[', 'an unclosed bracket'],
    ['[::1', 'an unclosed IPv6 literal'],
    ['[::1]x', 'junk after an IPv6 literal'],
    ['[::g]', 'a bad IPv6 literal'],
    ['[fe80::1%25eth0]', 'an IPv6 zone identifier'],
    ['[v1.x]', 'IPvFuture'],
    ['::1', 'an IPv6 address without brackets'],
    ['host:999999', 'a port above 65535'],
    ['host:65536', 'port 65536'],
    ['host:8o', 'a port with a letter'],
    ['host:-1', 'a negative port'],
    ['host:+80', 'a signed port'],
    ['host: 80', 'a space before the port'],
    ['ho st', 'whitespace'],
    ['host\t', 'a tab'],
    ['', 'nothing'],
    [':80', 'a port without a host'],
    ['999.0.0.1', 'an IPv4 address out of range'],
    ['a%2fb', 'a percent-encoded slash'],
    ['a\\b', 'a backslash'],
    ['a<b', 'an angle bracket'],
    ['exämple.com', 'a non-ASCII name'],
  ])('refuses %j (%s)', (host) => {
    expect(originOf('http', host)).toBeUndefined()
  })

  it('accepts only http and https', () => {
    expect(originOf('https', 'api.example.com:443')).toBe('https://api.example.com')
    expect(originOf('ftp', 'api.example.com')).toBeUndefined()
    expect(originOf('javascript', 'api.example.com')).toBeUndefined()
  })
})

describe('requestHtu: the target URI a DPoP proof must name', () => {
  it('puts the path of an origin-form target on the scheme and Host, without query or fragment', () => {
    expect(requestHtu(request('/files?x=1#f', '127.0.0.1:3000'), undefined)).toBe(
      'http://127.0.0.1:3000/files',
    )
    expect(
      requestHtu(request('/files', 'API.example.com:443', { protocol: 'HTTPS' }), undefined),
    ).toBe('https://api.example.com/files')
    expect(requestHtu(request('/files', '[::1]:8080'), undefined)).toBe('http://[::1]:8080/files')
  })

  it('prefers publicOrigin, and then needs no Host at all', () => {
    expect(requestHtu(request('/files?x=1', '10.0.0.1:3000'), PUBLIC)).toBe(
      'https://api.example.com/files',
    )
    expect(requestHtu(request('/files'), PUBLIC)).toBe('https://api.example.com/files')
    expect(requestHtu(request('/files', 'a@b'), PUBLIC)).toBe('https://api.example.com/files')
  })

  it('never lets the Host move the path: host/intended? is refused, not read as a path', () => {
    const error = refusal(() => requestHtu(request('/', 'host/intended?'), undefined))
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_request')
    expect(error.reason).toBe('bad_origin')
    expect(error.description).not.toContain('intended')
  })

  it.each([['a@b'], ['['], ['127.0.0.1:999999'], [''], ['host:80/x'], ['evil.example/x#']])(
    'refuses the Host %j with 400 invalid_request',
    (host) => {
      const error = refusal(() => requestHtu(request('/files', host), undefined))
      expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    },
  )

  it('refuses a request without a Host (HTTP/1.0) unless publicOrigin is set', () => {
    const error = refusal(() => requestHtu(request('/files'), undefined))
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    expect(error.description).toMatch(/no Host/)
  })

  it('refuses a repeated Host header (RFC 9112 §3.2)', () => {
    const twice = request('/files', 'a.example', {
      rawHeaders: ['Host', 'a.example', 'host', 'b.example'],
    })
    expect(refusal(() => requestHtu(twice, undefined)).description).toMatch(/more than one Host/)
  })

  it('reads the HTTP/2 :authority when there is no Host header, and an explicit host first', () => {
    const h2 = request('/files', undefined, {
      protocol: 'https',
      headers: { ':authority': 'api.example.com' },
    })
    expect(requestHtu(h2, undefined)).toBe('https://api.example.com/files')
    const forwarded = request('/files', '127.0.0.1:3000', { host: 'api.example.com' })
    expect(requestHtu(forwarded, undefined)).toBe('http://api.example.com/files')
  })

  it('refuses an unknown or non-HTTP scheme', () => {
    expect(
      refusal(() => requestHtu(request('/files', 'h', { protocol: 'ftp' }), undefined)).status,
    ).toBe(400)
    const none = request('/files', 'h', { protocol: undefined })
    expect(refusal(() => requestHtu(none, undefined)).status).toBe(400)
    expect(requestHtu(request('/files', 'h', { protocol: 'https:' }), undefined)).toBe(
      'https://h/files',
    )
  })

  it('takes an absolute-form target with its own authority (RFC 9112 §3.2.2), unless publicOrigin is set', () => {
    expect(requestHtu(request('https://API.example.com/files?x', 'ignored'), undefined)).toBe(
      'https://api.example.com/files',
    )
    expect(requestHtu(request('http://internal:8080/files', 'ignored'), PUBLIC)).toBe(
      'https://api.example.com/files',
    )
    expect(requestHtu(request('http://api.example.com?x', undefined), undefined)).toBe(
      'http://api.example.com/',
    )
  })

  it.each([
    ['http://h:99999/files', 'a bad port'],
    ['http://u@h/files', 'userinfo'],
    ['http://[/files', 'a broken IPv6 literal'],
    ['http:///files', 'no host'],
    ['ftp://h/files', 'another scheme'],
  ])('refuses the absolute-form target %j (%s), even with publicOrigin', (target) => {
    for (const publicOrigin of [undefined, PUBLIC]) {
      const error = refusal(() => requestHtu(request(target, 'h'), publicOrigin))
      expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    }
  })

  it.each([
    ['*', 'asterisk-form (OPTIONS *)'],
    ['api.example.com:443', 'authority-form (CONNECT)'],
    ['files', 'a relative path'],
    ['', 'an empty target'],
  ])('refuses the target %j (%s), even with publicOrigin', (target) => {
    for (const publicOrigin of [undefined, PUBLIC]) {
      const error = refusal(() => requestHtu(request(target, 'h'), publicOrigin))
      expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    }
  })

  it('keeps a path starting with // on the origin', () => {
    expect(requestHtu(request('//evil.example/files', 'h'), PUBLIC)).toBe(
      'https://api.example.com//evil.example/files',
    )
    expect(requestHtu(request('//evil.example/files', 'h'), undefined)).toBe(
      'http://h//evil.example/files',
    )
  })

  it('checks the deprecated request.origin like a Host', () => {
    expect(
      requestHtu(request('/files', 'ignored', { origin: 'https://api.example.com' }), undefined),
    ).toBe('https://api.example.com/files')
    for (const origin of ['http://host/intended?', 'http://a@b', 'http://h:999999', 'h']) {
      const error = refusal(() => requestHtu(request('/files', 'h', { origin }), undefined))
      expect(error.status).toBe(400)
    }
  })
})

describe('requestHtu over arbitrary client bytes (property)', () => {
  /** Hosts near the grammar (delimiters that could end the authority early), plus anything. */
  const hostish = fc.oneof(
    fc.stringMatching(/^[a-z0-9.:[\]@/?#%\\ -]{0,24}$/),
    fc.string({ maxLength: 24 }),
  )
  const path = fc.stringMatching(/^\/[a-z0-9/._~%-]{0,16}$/)

  it('either names exactly the target path (normalised) on an origin, or is a 400 — never another error', () => {
    fc.assert(
      fc.property(
        hostish,
        path,
        fc.constantFrom('http', 'https', 'HTTP', 'ftp'),
        (host, target, protocol) => {
          let htu: string
          try {
            htu = requestHtu(request(`${target}?q#f`, host, { protocol }), undefined)
          } catch (error) {
            expect(isOAuthError(error) && error.status === 400).toBe(true)
            return
          }
          const url = new URL(htu)
          // The client's Host picked the host and port only: the path is the target's.
          expect(url.pathname).toBe(new URL(normalizeHtu(`http://x${target}`) as string).pathname)
          expect(`${url.protocol}//${url.host}`).toBe(originOf(protocol.toLowerCase(), host))
        },
      ),
      { numRuns: numRuns(300) },
    )
  })
})
