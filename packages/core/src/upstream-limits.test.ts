import { lookup } from 'node:dns/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { hostname } from 'node:os'
import { gzipSync } from 'node:zlib'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isOAuthError, type OAuthError } from './errors.js'
import type { FetchLike } from './internal/fetch-json.js'
import type { Logger } from './logger.js'
import type { ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

/**
 * Upstream answers are bounded and upstream URLs are policed: real loopback servers, real fetch.
 */

const AUDIENCE = 'https://api.limits.test'
const MiB = 1024 * 1024
/** What a flood offers: far more than any cap, so only an abort can end it early. */
const FLOOD_BYTES = 200 * MiB
/** Generous room for socket buffers on both sides; still a small fraction of the flood. */
const READ_BOUND = 32 * MiB
/** A JWS that makes the resource server fetch keys (its content never gets checked). */
const JWT_SHAPED = 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJ4In0.c2ln'

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({
    audience: AUDIENCE,
    clients: [{ clientId: 'rs', clientSecret: 'client-secret-S3CR3T' }],
  })
})
afterAll(async () => {
  await issuer.close()
})

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()))
})

interface Flood {
  origin: string
  /** Resolves when the response's connection closes: how much was written, and whether all. */
  closed: Promise<{ written: number; complete: boolean }>
  requests: () => number
}

/**
 * A server that answers every request with a chunked body (no Content-Length) of up to 200 MiB,
 * one 64 KiB chunk at a time, writing only as fast as the client reads.
 */
async function startFlood(contentType = 'application/json'): Promise<Flood> {
  let requests = 0
  let report: (value: { written: number; complete: boolean }) => void = () => {}
  const closed = new Promise<{ written: number; complete: boolean }>((resolve) => {
    report = resolve
  })
  const chunk = Buffer.alloc(64 * 1024, 0x20) // JSON whitespace
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++
    req.resume()
    res.writeHead(200, { 'content-type': contentType })
    let written = 0
    res.on('close', () => report({ written, complete: res.writableFinished }))
    const pump = (): void => {
      while (written < FLOOD_BYTES && !res.destroyed) {
        written += chunk.length
        if (!res.write(chunk)) {
          res.once('drain', () => setImmediate(pump))
          return
        }
      }
      if (!res.destroyed) res.end()
    }
    pump()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  const { port } = server.address() as { port: number }
  return { origin: `http://127.0.0.1:${port}`, closed, requests: () => requests }
}

interface Captured {
  logger: Logger
  lines: string[]
}

/** A logger keeping every message with its details, as text. */
function capture(): Captured {
  const lines: string[] = []
  const keep = (message: string, details?: Record<string, unknown>): void => {
    lines.push(details === undefined ? message : `${message} ${JSON.stringify(details)}`)
  }
  return { logger: { warn: keep, error: keep }, lines }
}

function bearer(token: string): RequestLike {
  return { method: 'GET', url: '/files', headers: { authorization: `Bearer ${token}` } }
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected a rejection')
}

/** A fetch that records every URL it is asked for, then delegates to the real fetch. */
function recordingFetch(): { fetch: FetchLike; urls: string[] } {
  const urls: string[] = []
  return {
    urls,
    fetch: (input, init) => {
      urls.push(input)
      return globalThis.fetch(input, init)
    },
  }
}

describe('upstream bodies are read up to a cap, then the connection is dropped', () => {
  it('a chunked JWK Set far over 512 KiB: 503, and the server sees the connection aborted', async () => {
    const flood = await startFlood()
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: flood.origin,
      audience: AUDIENCE,
      jwksUri: `${flood.origin}/jwks`,
      logger,
    })
    const error = await rejection(rs.authenticate(bearer(JWT_SHAPED)))
    expect(error.status).toBe(503)
    const { written, complete } = await flood.closed
    expect(complete).toBe(false)
    expect(written).toBeLessThan(READ_BOUND)
    expect(lines.join('\n')).toMatch(/answered too much: the body went over the 524288 byte limit/)
  })

  it('a chunked metadata document far over 512 KiB: 503 and aborted', async () => {
    const flood = await startFlood()
    const rs = createResourceServer({
      issuer: flood.origin,
      audience: AUDIENCE,
      logger: false,
    })
    expect((await rejection(rs.authenticate(bearer(JWT_SHAPED)))).status).toBe(503)
    const { written, complete } = await flood.closed
    expect(complete).toBe(false)
    expect(written).toBeLessThan(READ_BOUND)
  })

  it('a gzip bomb (small on the wire, 16 MiB inflated) is capped on the inflated bytes', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * MiB, 0x20))
    let served = 0
    const server = createServer((req, res) => {
      req.resume()
      served++
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(bomb.length),
      })
      res.end(bomb)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    expect(bomb.length).toBeLessThan(512 * 1024)
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: origin,
      audience: AUDIENCE,
      jwksUri: `${origin}/jwks`,
      logger,
    })
    expect((await rejection(rs.authenticate(bearer(JWT_SHAPED)))).status).toBe(503)
    expect(served).toBe(1)
    expect(lines.join('\n')).toMatch(/the body went over the 524288 byte limit/)
  })

  for (const jwtResponse of [false, true]) {
    it(`a chunked ${jwtResponse ? 'JWT' : 'JSON'} introspection answer far over 64 KiB: 503 and aborted`, async () => {
      const flood = await startFlood(
        jwtResponse ? 'application/token-introspection+jwt' : 'application/json',
      )
      const { logger, lines } = capture()
      const rs = createResourceServer({
        issuer: issuer.issuer,
        audience: AUDIENCE,
        introspection: {
          endpoint: `${flood.origin}/introspect`,
          clientId: 'rs',
          clientSecret: 'client-secret-S3CR3T',
          jwtResponse,
        },
        tokenFormat: 'opaque',
        logger,
      })
      const error = await rejection(rs.authenticate(bearer('opaque-token-value')))
      expect(error.status).toBe(503)
      expect(error.code).toBe('temporarily_unavailable')
      const { written, complete } = await flood.closed
      expect(complete).toBe(false)
      expect(written).toBeLessThan(READ_BOUND)
      expect(lines.join('\n')).toMatch(/answered too much: the body went over the 65536 byte limit/)
    })
  }

  it('an introspection Content-Length over 64 KiB is refused before reading; 60 KiB is accepted', async () => {
    const big = await issuer.issueOpaque({ padding: 'x'.repeat(70 * 1024) })
    const fits = await issuer.issueOpaque({ padding: 'x'.repeat(60 * 1024) })
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 'client-secret-S3CR3T',
        retryAfterMs: 0,
      },
      logger,
    })
    expect((await rejection(rs.authenticate(bearer(big)))).status).toBe(503)
    expect(lines.join('\n')).toMatch(/the body is \d+ bytes, over the 65536 byte limit/)
    const auth = await rs.authenticate(bearer(fits))
    expect(auth.format).toBe('opaque')
  })
})

describe('URLs learned from metadata obey the rules of configured ones', () => {
  async function learnedFrom(extra: Record<string, unknown>): Promise<TestIssuer> {
    const learned = await createTestIssuer({
      audience: AUDIENCE,
      metadata: { extra },
      clients: [{ clientId: 'rs', clientSecret: 'client-secret-S3CR3T' }],
    })
    closers.push(() => learned.close())
    return learned
  }

  it('an http introspection_endpoint outside loopback: 503, nothing posted anywhere', async () => {
    const learned = await learnedFrom({
      introspection_endpoint: 'http://introspection.invalid/introspect',
    })
    const { fetch, urls } = recordingFetch()
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: learned.issuer,
      audience: AUDIENCE,
      introspection: { clientId: 'rs', clientSecret: 'client-secret-S3CR3T' },
      tokenFormat: 'opaque',
      fetch,
      logger,
    })
    const token = await learned.issueOpaque()
    const error = await rejection(rs.authenticate(bearer(token)))
    expect(error.status).toBe(503)
    expect(urls.some((url) => url.includes('introspection.invalid'))).toBe(false)
    expect(urls.every((url) => url.includes('/.well-known/'))).toBe(true)
    expect(learned.requestCount('introspection')).toBe(0)
    expect(lines.join('\n')).toMatch(/introspection_endpoint: .* uses http:/)
    await expect(rs.warmUp()).rejects.toThrow(/introspection_endpoint: .* uses http:/)
  })

  it('an introspection_endpoint with userinfo: 503, nothing posted, no password logged', async () => {
    const learned = await learnedFrom({})
    const endpoint = new URL(learned.introspectionEndpoint)
    endpoint.username = 'admin'
    endpoint.password = 'url-PASSWORD-123'
    await learned.close()
    const tampered = await learnedFrom({ introspection_endpoint: endpoint.href })
    const { fetch, urls } = recordingFetch()
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: tampered.issuer,
      audience: AUDIENCE,
      introspection: { clientId: 'rs', clientSecret: 'client-secret-S3CR3T' },
      tokenFormat: 'opaque',
      fetch,
      logger,
    })
    const error = await rejection(rs.authenticate(bearer(await tampered.issueOpaque())))
    expect(error.status).toBe(503)
    expect(urls.every((url) => url.includes('/.well-known/'))).toBe(true)
    expect(tampered.requestCount('introspection')).toBe(0)
    const log = lines.join('\n')
    expect(log).toMatch(/must not contain a user name or password/)
    expect(log).not.toContain('url-PASSWORD-123')
    expect(log).not.toContain('admin')
  })

  it('a jwks_uri with userinfo: 503, no key fetch, no password logged', async () => {
    const placeholder = 'https://keys:jwks-PASSWORD-456@keys.example/jwks'
    const learned = await learnedFrom({ jwks_uri: placeholder })
    const { fetch, urls } = recordingFetch()
    const { logger, lines } = capture()
    const rs = createResourceServer({
      issuer: learned.issuer,
      audience: AUDIENCE,
      fetch,
      logger,
    })
    const error = await rejection(rs.authenticate(bearer(await learned.sign())))
    expect(error.status).toBe(503)
    expect(urls.some((url) => url.includes('keys.example'))).toBe(false)
    expect(lines.join('\n')).not.toContain('jwks-PASSWORD-456')
    expect(lines.length).toBeGreaterThan(0)
  })
})

describe('URLs with userinfo are refused at construction, naming the option', () => {
  const secret = 'cfg-PASSWORD-789'
  const withUserinfo = (url: string): string => url.replace('://', `://user:${secret}@`)
  const cases: [string, Partial<ResourceServerOptions>][] = [
    ['issuer', { issuer: withUserinfo('https://as.example') }],
    ['jwksUri', { issuer: 'https://as.example', jwksUri: withUserinfo('https://as.example/k') }],
    [
      'metadataUrl',
      { issuer: 'https://as.example', metadataUrl: withUserinfo('https://as.example/m') },
    ],
    [
      'introspection.endpoint',
      {
        issuer: 'https://as.example',
        introspection: {
          clientId: 'rs',
          clientSecret: 's',
          endpoint: withUserinfo('https://as.example/i'),
        },
      },
    ],
    [
      'issuers[1].issuer',
      { issuers: [{ issuer: 'https://a.example' }, { issuer: withUserinfo('https://b.example') }] },
    ],
    [
      'issuers[0].jwksUri',
      { issuers: [{ issuer: 'https://a.example', jwksUri: withUserinfo('https://a.example/k') }] },
    ],
    [
      'resourceMetadata.resource',
      {
        issuer: 'https://as.example',
        resourceMetadata: { resource: withUserinfo('https://api.example') },
      },
    ],
  ]
  for (const [option, options] of cases) {
    it(`refuses ${option}`, () => {
      let message = ''
      try {
        createResourceServer({
          audience: AUDIENCE,
          logger: false,
          ...options,
        } as ResourceServerOptions)
      } catch (error) {
        expect((error as Error).name).toBe('ConfigurationError')
        message = (error as Error).message
      }
      expect(message).toContain(option)
      expect(message).toMatch(/must not contain a user name or password/)
      expect(message).not.toContain(secret)
    })
  }

  it('refuses one in options returned by resolveIssuer, before anything is fetched', async () => {
    const { fetch, urls } = recordingFetch()
    const logged: string[] = []
    const rs = createResourceServer({
      audience: AUDIENCE,
      resolveIssuer: () => ({
        issuer: 'https://as.example',
        jwksUri: withUserinfo('https://as.example/k'),
      }),
      fetch,
      logger: {
        warn: () => {},
        error: (_message, details) => logged.push(String(details?.['cause'])),
      },
    })
    // Never a request-time ConfigurationError (a 500): the client gets 401, the operator the log.
    const error = (await rs.authenticate(bearer(JWT_SHAPED)).then(
      () => undefined,
      (e: unknown) => e,
    )) as OAuthError
    expect([error.status, error.code]).toEqual([401, 'invalid_token'])
    expect(logged).toEqual([expect.stringContaining('resolveIssuer().jwksUri')])
    expect(logged.join()).not.toContain(secret)
    expect(JSON.stringify(error.toJSON())).not.toContain(secret)
    expect(urls).toEqual([])
  })

  it('does not echo the password of a URL that does not parse', () => {
    expect(() =>
      createResourceServer({
        issuer: `https://user:${secret}@as.example:99999`,
        audience: AUDIENCE,
      }),
    ).toThrow(/issuer is not a valid URL/)
    try {
      createResourceServer({
        issuer: `https://user:${secret}@as.example:99999`,
        audience: AUDIENCE,
      })
    } catch (error) {
      expect((error as Error).message).not.toContain(secret)
    }
  })
})

describe('logs never carry a secret', () => {
  it('client secret, URL query secrets, tokens and passwords stay out of every log line', async () => {
    const flood = await startFlood()
    const { logger, lines } = capture()
    const token = await issuer.issueOpaque()
    const rs = createResourceServer({
      issuers: [
        {
          issuer: issuer.issuer,
          // a JWKS URL with an API key in its query, on a server that floods
          jwksUri: `${flood.origin}/jwks?api_key=query-SECRET-000`,
          introspection: {
            endpoint: `${issuer.introspectionEndpoint}?tenant_key=query-SECRET-111`,
            clientId: 'rs',
            clientSecret: 'client-secret-S3CR3T',
            retryAfterMs: 0,
          },
        },
      ],
      audience: AUDIENCE,
      logger,
    })
    issuer.setFault('introspection', { status: 500, body: 'down' })
    try {
      expect((await rejection(rs.authenticate(bearer(token)))).status).toBe(503)
      issuer.setFault('introspection', { destroySocket: true })
      expect((await rejection(rs.authenticate(bearer(token)))).status).toBe(503)
      expect((await rejection(rs.authenticate(bearer(JWT_SHAPED)))).status).toBe(503)
    } finally {
      issuer.setFault('introspection', undefined)
    }
    expect(lines.length).toBeGreaterThanOrEqual(3)
    const log = lines.join('\n')
    for (const secret of [
      'client-secret-S3CR3T',
      'query-SECRET-000',
      'query-SECRET-111',
      token,
      JWT_SHAPED,
    ]) {
      expect(log).not.toContain(secret)
    }
    expect(log).toContain(`${flood.origin}/jwks?…`)
  })
})

describe('private networks and tenant-supplied issuers', () => {
  function tenantServer(
    tenant: Record<string, unknown>,
    extra: Partial<ResourceServerOptions> = {},
  ): { rs: ReturnType<typeof createResourceServer>; lines: string[] } {
    const { logger, lines } = capture()
    const rs = createResourceServer({
      audience: AUDIENCE,
      resolveIssuer: () => tenant as { issuer: string },
      logger,
      ...extra,
    })
    return { rs, lines }
  }

  it('refuses a resolved tenant on 127.0.0.1 by default; allows it with privateNetworks: allow', async () => {
    const tenant = { issuer: issuer.issuer, jwksUri: issuer.jwksUri }
    issuer.resetCounts()
    const refused = tenantServer(tenant)
    const error = await rejection(refused.rs.authenticate(bearer(await issuer.sign())))
    expect(error.status).toBe(503)
    expect(issuer.requestCount('all')).toBe(0)
    expect(refused.lines.join('\n')).toMatch(
      /refused to contact http:\/\/127\.0\.0\.1:\d+\/jwks: its host 127\.0\.0\.1 is a loopback address/,
    )
    const allowed = tenantServer(tenant, { privateNetworks: 'allow' })
    expect((await allowed.rs.authenticate(bearer(await issuer.sign()))).issuer).toBe(issuer.issuer)
  })

  it('refuses a resolved tenant at localhost by name, discovery included', async () => {
    const port = new URL(issuer.issuer).port
    const named = `http://localhost:${port}`
    issuer.resetCounts()
    const refused = tenantServer({ issuer: named })
    expect(
      (await rejection(refused.rs.authenticate(bearer(await issuer.sign({ iss: named }))))).status,
    ).toBe(503)
    expect(issuer.requestCount('all')).toBe(0)
    expect(refused.lines.join('\n')).toMatch(/its host localhost is loopback/)
    const allowed = tenantServer(
      { issuer: named, jwksUri: `${named}/jwks` },
      { privateNetworks: 'allow' },
    )
    const auth = await allowed.rs.authenticate(bearer(await issuer.sign({ iss: named })))
    expect(auth.issuer).toBe(named)
  })

  it('refuses a resolved introspection tenant on loopback without posting the token', async () => {
    issuer.resetCounts()
    const refused = tenantServer({
      issuer: issuer.issuer,
      introspection: {
        endpoint: issuer.introspectionEndpoint,
        clientId: 'rs',
        clientSecret: 'client-secret-S3CR3T',
      },
      tokenFormat: 'opaque',
    })
    expect(
      (await rejection(refused.rs.authenticate(bearer(await issuer.issueOpaque())))).status,
    ).toBe(503)
    expect(issuer.requestCount('all')).toBe(0)
  })

  it('leaves configured issuers alone by default, and refuses them with privateNetworks: refuse', async () => {
    const configured = { issuer: issuer.issuer, audience: AUDIENCE, jwksUri: issuer.jwksUri }
    const open = createResourceServer({ ...configured, logger: false })
    expect((await open.authenticate(bearer(await issuer.sign()))).issuer).toBe(issuer.issuer)
    issuer.resetCounts()
    const closed = createResourceServer({ ...configured, privateNetworks: 'refuse', logger: false })
    expect((await rejection(closed.authenticate(bearer(await issuer.sign())))).status).toBe(503)
    expect(issuer.requestCount('all')).toBe(0)
  })

  it('refuses an invalid privateNetworks value at construction', () => {
    expect(() =>
      createResourceServer({
        issuer: 'https://as.example',
        audience: AUDIENCE,
        privateNetworks: 'sometimes' as 'allow',
      }),
    ).toThrow(/privateNetworks must be "refuse" or "allow", got "sometimes"/)
  })
})

describe('private networks behind a host name (Node.js resolves names first)', () => {
  /** This machine's own name, when the resolver maps it to loopback (as /etc/hosts usually does). */
  async function loopbackName(): Promise<string | undefined> {
    const name = hostname()
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(name) || name.toLowerCase().endsWith('localhost')) {
      return undefined
    }
    try {
      const answers = await lookup(name, { all: true })
      return answers.length > 0 && answers.every((a) => /^127\.|^::1$/.test(a.address))
        ? name
        : undefined
    } catch {
      return undefined
    }
  }

  it('refuses a resolved tenant whose host name resolves to loopback', async (context) => {
    const name = await loopbackName()
    if (name === undefined) {
      context.skip('this machine has no host name resolving to loopback')
      return
    }
    const named = `http://${name}:${new URL(issuer.issuer).port}`
    const tenant = { issuer: named, jwksUri: `${named}/jwks` }
    issuer.resetCounts()
    const { logger, lines } = capture()
    const refused = createResourceServer({
      audience: AUDIENCE,
      resolveIssuer: () => tenant,
      allowInsecureHttp: true, // plain http to a name that is not localhost
      logger,
    })
    const token = await issuer.sign({ iss: named })
    expect((await rejection(refused.authenticate(bearer(token)))).status).toBe(503)
    expect(issuer.requestCount('all')).toBe(0)
    expect(lines.join('\n')).toMatch(
      new RegExp(`its host ${name.toLowerCase()} resolves to 127\\.[\\d.]+, a loopback address`),
    )
    const allowed = createResourceServer({
      audience: AUDIENCE,
      resolveIssuer: () => tenant,
      allowInsecureHttp: true,
      privateNetworks: 'allow',
      logger: false,
    })
    expect((await allowed.authenticate(bearer(token))).issuer).toBe(named)
  })

  it('refuses a host name that does not resolve, without a request', async () => {
    const tenant = { issuer: 'https://tenant.invalid', jwksUri: 'https://tenant.invalid/jwks' }
    const { fetch, urls } = recordingFetch()
    const { logger, lines } = capture()
    const rs = createResourceServer({
      audience: AUDIENCE,
      resolveIssuer: () => tenant,
      fetch,
      logger,
    })
    expect((await rejection(rs.authenticate(bearer(JWT_SHAPED)))).status).toBe(503)
    expect(urls).toEqual([])
    expect(lines.join('\n')).toMatch(/its host tenant\.invalid does not resolve/)
  })
})
