import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestIssuer, type TestIssuer, type TestIssuerOptions } from '@scopeguard/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { discoverMetadata, DiscoveryError, metadataUrls } from './discovery.js'

/** A bare loopback HTTP server that records request paths. */
interface PlainServer {
  origin: string
  paths: string[]
  close(): Promise<void>
}

async function plainServer(
  handle: (req: IncomingMessage, res: ServerResponse, origin: string) => void,
): Promise<PlainServer> {
  const paths: string[] = []
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  server.on('request', (req, res) => {
    paths.push(req.url ?? '')
    handle(req, res, origin)
  })
  return {
    origin,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

async function discoveryFailure(promise: Promise<unknown>): Promise<DiscoveryError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(DiscoveryError)
    return error as DiscoveryError
  }
  throw new Error('expected discovery to fail')
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

async function issuerWith(options: TestIssuerOptions): Promise<TestIssuer> {
  const created = await createTestIssuer(options)
  closers.push(() => created.close())
  return created
}

describe('metadataUrls (RFC 8414 §3, OIDC Discovery §4, MCP order)', () => {
  it.each([
    [
      'https://example.com',
      [
        'https://example.com/.well-known/oauth-authorization-server',
        'https://example.com/.well-known/openid-configuration',
      ],
    ],
    [
      'https://example.com/',
      [
        'https://example.com/.well-known/oauth-authorization-server',
        'https://example.com/.well-known/openid-configuration',
      ],
    ],
    [
      'https://example.com/issuer1',
      [
        'https://example.com/.well-known/oauth-authorization-server/issuer1',
        'https://example.com/.well-known/openid-configuration/issuer1',
        'https://example.com/issuer1/.well-known/openid-configuration',
      ],
    ],
    [
      'https://example.com/issuer1/',
      [
        'https://example.com/.well-known/oauth-authorization-server/issuer1',
        'https://example.com/.well-known/openid-configuration/issuer1',
        'https://example.com/issuer1/.well-known/openid-configuration',
      ],
    ],
    [
      'https://auth.example.com/tenant1',
      [
        'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
        'https://auth.example.com/.well-known/openid-configuration/tenant1',
        'https://auth.example.com/tenant1/.well-known/openid-configuration',
      ],
    ],
    [
      'http://127.0.0.1:8080/a/b',
      [
        'http://127.0.0.1:8080/.well-known/oauth-authorization-server/a/b',
        'http://127.0.0.1:8080/.well-known/openid-configuration/a/b',
        'http://127.0.0.1:8080/a/b/.well-known/openid-configuration',
      ],
    ],
  ])('%s', (issuer, urls) => {
    expect(metadataUrls(issuer)).toEqual(urls)
  })
})

describe('discoverMetadata against a test issuer', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await createTestIssuer()
  })
  afterAll(async () => {
    await issuer.close()
  })

  it('finds the RFC 8414 document of an issuer without a path with one request', async () => {
    issuer.resetCounts()
    const metadata = await discoverMetadata(issuer.issuer)
    expect(metadata).toEqual(issuer.metadata('oauth'))
    expect(metadata.jwks_uri).toBe(issuer.jwksUri)
    expect(issuer.requestCount('all')).toBe(1)
  })

  it('fetches only metadataUrl when one is given', async () => {
    issuer.resetCounts()
    const metadata = await discoverMetadata(issuer.issuer, {
      metadataUrl: issuer.metadataUrls.openid,
    })
    expect(metadata).toEqual(issuer.metadata('openid'))
    expect(issuer.requestCount('all')).toBe(1)
  })

  it('does not fall back to the well-known URLs when metadataUrl fails', async () => {
    issuer.resetCounts()
    const error = await discoveryFailure(
      discoverMetadata(issuer.issuer, { metadataUrl: `${issuer.origin}/nothing-here` }),
    )
    expect(error.message).toContain('answered 404')
    expect(issuer.requestCount('all')).toBe(1)
  })

  it('uses the fetch function it is given', async () => {
    const seen: string[] = []
    await discoverMetadata(issuer.issuer, {
      fetch: (url, init) => {
        seen.push(url)
        return fetch(url, init)
      },
    })
    expect(seen).toEqual([issuer.metadataUrls.oauth])
  })
})

describe('discoverMetadata: issuers with paths and OpenID-only issuers', () => {
  it('finds the document of an issuer with a path by path insertion', async () => {
    const tenant = await issuerWith({ path: '/tenant1' })
    const metadata = await discoverMetadata(tenant.issuer)
    expect(metadata.issuer).toBe(`${tenant.origin}/tenant1`)
    expect(tenant.requestCount('all')).toBe(1)
  })

  it('keeps a trailing slash in the issuer comparison', async () => {
    const tenant = await issuerWith({ path: '/tenant1/' })
    const metadata = await discoverMetadata(tenant.issuer)
    expect(metadata.issuer).toBe(`${tenant.origin}/tenant1/`)
    await discoveryFailure(discoverMetadata(`${tenant.origin}/tenant1`))
  })

  it('falls back to OpenID discovery for an issuer without a path', async () => {
    const oidc = await issuerWith({ metadata: { oauth: false } })
    const metadata = await discoverMetadata(oidc.issuer)
    expect(metadata).toEqual(oidc.metadata('openid'))
    expect(metadata['subject_types_supported']).toEqual(['public'])
    expect(oidc.requestCount('all')).toBe(2)
  })

  it('falls back to the appended OpenID URL for an issuer with a path, after two misses', async () => {
    const oidc = await issuerWith({ path: '/tenant1', metadata: { oauth: false } })
    const metadata = await discoverMetadata(oidc.issuer)
    expect(metadata).toEqual(oidc.metadata('openid'))
    expect(oidc.requestCount('all')).toBe(3)
  })

  it('fails, listing every URL, when no document is served', async () => {
    const none = await issuerWith({ path: '/t', metadata: { oauth: false, openid: false } })
    const error = await discoveryFailure(discoverMetadata(none.issuer))
    for (const url of metadataUrls(none.issuer))
      expect(error.message).toContain(`GET ${url} answered 404`)
    expect(error.message).toContain(none.issuer)
  })

  it('ignores unknown members', async () => {
    const extra = await issuerWith({ metadata: { extra: { x_vendor: { a: 1 } } } })
    expect((await discoverMetadata(extra.issuer))['x_vendor']).toEqual({ a: 1 })
  })
})

describe('discoverMetadata: documents that must not be used', () => {
  it('rejects a document that names another issuer (impersonation)', async () => {
    const attacker = await issuerWith({ metadata: { extra: { issuer: 'https://honest.example' } } })
    const error = await discoveryFailure(discoverMetadata(attacker.issuer))
    expect(error.message).toContain('names issuer "https://honest.example"')
    expect(error.message).toContain(`expected ${JSON.stringify(attacker.issuer)}`)
  })

  it('rejects a document without an issuer', async () => {
    const anonymous = await issuerWith({ metadata: { extra: { issuer: undefined } } })
    const error = await discoveryFailure(discoverMetadata(anonymous.issuer))
    expect(error.message).toContain('names issuer undefined')
  })

  it.each([
    ['a trailing slash', (origin: string) => `${origin}/tenant/`],
    ['case', (origin: string) => `${origin}/Tenant`],
    ['host', (origin: string) => origin.replace('127.0.0.1', 'localhost') + '/tenant'],
    ['scheme case', (origin: string) => origin.replace('http:', 'HTTP:') + '/tenant'],
  ])('rejects an issuer that differs by %s, and tries every URL', async (_what, claimed) => {
    const server = await plainServer((_req, res, origin) =>
      json(res, 200, { issuer: claimed(origin), jwks_uri: `${origin}/jwks` }),
    )
    closers.push(server.close)
    const error = await discoveryFailure(discoverMetadata(`${server.origin}/tenant`))
    expect(error.message).toContain(JSON.stringify(claimed(server.origin)))
    expect(server.paths).toHaveLength(3)
  })

  it('follows the MCP order and stops at the first document whose issuer matches', async () => {
    const server = await plainServer((req, res, origin) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') {
        json(res, 200, { issuer: 'https://someone-else.example' })
      } else json(res, 200, { issuer: `${origin}/tenant`, jwks_uri: `${origin}/jwks` })
    })
    closers.push(server.close)
    const metadata = await discoverMetadata(`${server.origin}/tenant`)
    expect(metadata.issuer).toBe(`${server.origin}/tenant`)
    expect(server.paths).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
    ])
  })

  it('requests the three URLs in MCP order', async () => {
    const server = await plainServer((_req, res) => json(res, 404, {}))
    closers.push(server.close)
    await discoveryFailure(discoverMetadata(`${server.origin}/tenant`))
    expect(server.paths).toEqual([
      '/.well-known/oauth-authorization-server/tenant',
      '/.well-known/openid-configuration/tenant',
      '/tenant/.well-known/openid-configuration',
    ])
  })

  it('does not follow redirects', async () => {
    const server = await plainServer((req, res, origin) => {
      if (req.url === '/real') {
        json(res, 200, { issuer: origin })
      } else {
        res.writeHead(302, { location: `${origin}/real` })
        res.end()
      }
    })
    closers.push(server.close)
    const error = await discoveryFailure(discoverMetadata(server.origin))
    expect(error.message).toContain('answered 302')
    expect(server.paths).not.toContain('/real')
  })

  it.each([
    ['a 500', { status: 500 }, 'answered 500'],
    ['a 503 with a JSON body', { status: 503, body: '{}' }, 'answered 503'],
    ['a body that is not JSON', { body: '<html>' }, 'did not answer JSON'],
    ['a JSON array', { body: '[{"issuer":"x"}]' }, 'did not answer a JSON object'],
    ['JSON null', { body: 'null' }, 'did not answer a JSON object'],
    ['a dropped connection', { destroySocket: true }, 'failed'],
    ['a body over the size cap', { body: JSON.stringify({ x: 'x'.repeat(600_000) }) }, 'limit'],
  ])('rejects %s', async (_what, fault, message) => {
    const broken = await issuerWith({})
    broken.setFault('metadata', fault)
    const error = await discoveryFailure(discoverMetadata(broken.issuer))
    expect(error.message).toContain(message)
    expect(error.message).toContain(broken.metadataUrls.oauth)
    expect(error.cause).toBeInstanceOf(Error)
  })

  it('times out a slow endpoint', async () => {
    const slow = await issuerWith({})
    // The endpoint hangs far longer than the test may run: only the timeout can answer (a broken
    // timeout shows as this test timing out, not as a millisecond bound).
    slow.setFault('metadata', { delayMs: 120_000 })
    const error = await discoveryFailure(discoverMetadata(slow.issuer, { timeoutMs: 150 }))
    expect(error.message).toContain('timed out after 150 ms')
  })

  it('rejects an http jwks_uri outside loopback unless allowInsecureHttp is set', async () => {
    const insecure = await issuerWith({
      metadata: { extra: { jwks_uri: 'http://keys.example.test/jwks' } },
    })
    const error = await discoveryFailure(discoverMetadata(insecure.issuer))
    expect(error.message).toContain('http://keys.example.test/jwks uses http:')
    const allowed = await discoverMetadata(insecure.issuer, { allowInsecureHttp: true })
    expect(allowed.jwks_uri).toBe('http://keys.example.test/jwks')
  })

  it('does not fetch metadata over http outside loopback unless allowInsecureHttp is set', async () => {
    const error = await discoveryFailure(discoverMetadata('http://issuer.example.test/tenant'))
    for (const url of metadataUrls('http://issuer.example.test/tenant')) {
      expect(error.message).toContain(`${url} uses http:`)
    }
    const override = await discoveryFailure(
      discoverMetadata('https://issuer.example.test', {
        metadataUrl: 'http://issuer.example.test/.well-known/oauth-authorization-server',
      }),
    )
    expect(override.message).toContain('uses http:')
    expect(override.message).not.toContain('GET ')
  })

  it('accepts an http jwks_uri on loopback', async () => {
    const local = await issuerWith({})
    expect((await discoverMetadata(local.issuer)).jwks_uri).toMatch(/^http:\/\/127\.0\.0\.1:/)
  })

  it.each([
    ['a non-https scheme', 'ftp://keys.example.test/jwks', 'must be an https: URL'],
    ['a non-string', 42, 'jwks_uri is not a string'],
    ['a relative URL', '/jwks', 'is not a URL'],
  ])('rejects a jwks_uri that is %s', async (_what, jwksUri, message) => {
    const odd = await issuerWith({ metadata: { extra: { jwks_uri: jwksUri } } })
    const error = await discoveryFailure(discoverMetadata(odd.issuer, { allowInsecureHttp: true }))
    expect(error.message).toContain(message)
  })

  it('accepts a document without jwks_uri (it is optional in RFC 8414)', async () => {
    const keyless = await issuerWith({ metadata: { extra: { jwks_uri: undefined } } })
    const metadata = await discoverMetadata(keyless.issuer)
    expect(metadata).not.toHaveProperty('jwks_uri')
  })
})
