import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { requireScope } from '@scopeguard/passport'
import { createTestIssuer, rawRequest, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../src/scopes.js'

const serverPath = fileURLToPath(new URL('../dist/server.js', import.meta.url))
const expressServerPath = fileURLToPath(new URL('../../express/dist/server.js', import.meta.url))
const AUDIENCE = 'http://api.example.test'

interface Started {
  child: ChildProcess
  output: () => string
}

function start(env: Record<string, string>, path = serverPath): Started {
  const child = spawn(process.execPath, [path], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

async function waitForListening(output: () => string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const match = /listening on (http:\/\/\S+)/.exec(output())
    if (match?.[1]) return match[1]
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`example did not start: ${output()}`)
}

async function stop(server: Started): Promise<number | null> {
  if (server.child.exitCode !== null) return server.child.exitCode
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  const [code] = (await exited) as [number | null]
  return code
}

describe('examples/passport implements the examples contract', () => {
  let issuer: TestIssuer
  let server: Started
  let origin: string

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    server = start({ PORT: '0', OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: AUDIENCE })
    origin = await waitForListening(server.output)
  })
  afterAll(async () => {
    await stop(server)
    await issuer.close()
  })

  const get = (path: string, token?: string, init: RequestInit = {}): Promise<Response> =>
    fetch(origin + path, {
      ...init,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        'content-type': 'application/json',
      },
    })

  it('prints exactly the listening line the conformance suite parses, and the publicOrigin warning', () => {
    // Without PUBLIC_ORIGIN, DPoP proofs are checked against each request's Host: the resource
    // server says so once at construction (on stderr, so the two lines may arrive in any order).
    const lines = server.output().split('\n').filter(Boolean).sort()
    expect(lines).toEqual([
      expect.stringMatching(/^\[scopeguard\] DPoP is allowed .*Set publicOrigin/),
      expect.stringMatching(/^example-passport listening on http:\/\/127\.0\.0\.1:\d+$/),
    ])
  })

  it('serves GET /health without a token', async () => {
    const response = await get('/health')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('lists files for files:read and refuses writes without files:write', async () => {
    const reader = await issuer.sign({ scope: 'files:read' })
    const list = await get('/files', reader)
    expect(list.status).toBe(200)
    expect(Array.isArray(((await list.json()) as { files: unknown }).files)).toBe(true)
    const write = await get('/files', reader, { method: 'POST', body: '{"name":"a.txt"}' })
    expect(write.status).toBe(403)
    expect(write.headers.get('www-authenticate')).toContain('scope="files:write"')
  })

  it('creates a file with files:write (201)', async () => {
    const writer = await issuer.sign({ scope: 'files:write' })
    const response = await get('/files', writer, { method: 'POST', body: '{"name":"b.txt"}' })
    expect(response.status).toBe(201)
    expect(await response.json()).toMatchObject({ name: 'b.txt', owner: 'user-123' })
  })

  it('describes the caller on GET /me with sub, client_id and scopes', async () => {
    const response = await get('/me', await issuer.sign({ scope: 'account:read files:read' }))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({
      sub: 'user-123',
      client_id: 'client-abc',
      scopes: ['account:read', 'files:read'],
      issuer: issuer.issuer,
    })
  })

  it('answers 401 as JSON without a token and 401 invalid_token with a tampered one', async () => {
    const none = await get('/me')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", DPoP realm="api", algs="ES256 [^"]*"$/,
    )
    expect(none.headers.get('cache-control')).toBe('no-store')
    expect(await none.json()).toEqual({
      error: 'missing_token',
      error_description: 'No access token was provided',
    })
    const bad = await get('/me', tamper(await issuer.sign()))
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' })
  })
})

describe('examples/passport answers every error exactly like examples/express', () => {
  let issuer: TestIssuer
  let down: TestIssuer
  const servers: Started[] = []
  let passportOrigin: string
  let expressOrigin: string
  let passportDown: string
  let expressDown: string

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    down = await createTestIssuer({ audience: AUDIENCE })
    down.setFault('jwks', { status: 502 })
    const env = { PORT: '0', OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: AUDIENCE }
    const downEnv = { ...env, OAUTH_ISSUER: down.issuer }
    const started = [
      start(env),
      start(env, expressServerPath),
      start(downEnv),
      start(downEnv, expressServerPath),
    ]
    servers.push(...started)
    const origins = await Promise.all(started.map((s) => waitForListening(s.output)))
    ;[passportOrigin, expressOrigin, passportDown, expressDown] = origins as [
      string,
      string,
      string,
      string,
    ]
  })
  afterAll(async () => {
    await Promise.all(servers.map(stop))
    await issuer.close()
    await down.close()
  })

  const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
  const json: [string, string] = ['Content-Type', 'application/json']
  const cases: [
    string,
    () => Promise<{ method?: string; path: string; headers: [string, string][]; body?: string }>,
  ][] = [
    ['no token', async () => ({ path: '/files', headers: [] })],
    ['no token on GET /me', async () => ({ path: '/me', headers: [] })],
    [
      'a Basic header',
      async () => ({ path: '/files', headers: [['Authorization', 'Basic dXNlcjpwYXNz']] }),
    ],
    ['Bearer alone', async () => ({ path: '/files', headers: [['Authorization', 'Bearer']] })],
    ['Bearer a b', async () => ({ path: '/files', headers: [['Authorization', 'Bearer a b']] })],
    [
      'a tab after Bearer',
      async () => ({ path: '/files', headers: [['Authorization', 'Bearer\tabc']] }),
    ],
    [
      'two Authorization headers',
      async () => {
        const token = await issuer.sign({ scope: 'files:read' })
        return { path: '/files', headers: [...bearer(token), ...bearer(token)] }
      },
    ],
    [
      'a token in the header and the query',
      async () => {
        const token = await issuer.sign({ scope: 'files:read' })
        return { path: `/files?access_token=${token}`, headers: bearer(token) }
      },
    ],
    [
      'a query token where not enabled',
      async () => ({
        path: `/files?access_token=${await issuer.sign({ scope: 'files:read' })}`,
        headers: [],
      }),
    ],
    [
      'an expired token',
      async () => ({ path: '/files', headers: bearer(await issuer.sign({}, { expiresIn: -60 })) }),
    ],
    [
      'a tampered token',
      async () => ({ path: '/me', headers: bearer(tamper(await issuer.sign())) }),
    ],
    [
      'a token for another audience',
      async () => ({
        path: '/files',
        headers: bearer(await issuer.sign({ aud: 'https://x.example' })),
      }),
    ],
    [
      'alg none',
      async () => ({ path: '/files', headers: bearer(await issuer.sign({}, { alg: 'none' })) }),
    ],
    ['an oversized token', async () => ({ path: '/files', headers: bearer('a'.repeat(9000)) })],
    [
      'GET /files without files:read',
      async () => ({
        path: '/files',
        headers: bearer(await issuer.sign({ scope: 'account:read' })),
      }),
    ],
    [
      'POST /files without files:write',
      async () => ({
        method: 'POST',
        path: '/files',
        headers: [...bearer(await issuer.sign({ scope: 'files:read' })), json],
        body: '{"name":"x"}',
      }),
    ],
  ]

  const view = (r: Awaited<ReturnType<typeof rawRequest>>): Record<string, unknown> => ({
    status: r.status,
    'www-authenticate': r.headers['www-authenticate'],
    'cache-control': r.headers['cache-control'],
    'content-type': r.headers['content-type'],
    'content-length': r.headers['content-length'],
    etag: r.headers['etag'],
    body: r.body,
  })

  for (const [label, make] of cases) {
    it(`answers ${label} identically`, async () => {
      const { method = 'GET', path, headers, body } = await make()
      const request = { method, path, headers, ...(body === undefined ? {} : { body }) }
      const [fromPassport, fromExpress] = await Promise.all([
        rawRequest(passportOrigin, request),
        rawRequest(expressOrigin, request),
      ])
      expect(fromPassport.status).toBeGreaterThanOrEqual(400)
      expect(fromPassport.headers['cache-control']).toEqual(['no-store'])
      expect(view(fromPassport)).toEqual(view(fromExpress))
    })
  }

  it('answers 503 identically when the keys cannot be loaded', async () => {
    const request = { path: '/files', headers: bearer(await down.sign({ scope: 'files:read' })) }
    const [fromPassport, fromExpress] = await Promise.all([
      rawRequest(passportDown, request),
      rawRequest(expressDown, request),
    ])
    expect(fromPassport.status).toBe(503)
    expect(view(fromPassport)).toEqual(view(fromExpress))
  })
})

describe('examples/passport configuration', () => {
  it('exits with a clear message when OAUTH_ISSUER is missing', async () => {
    const server = start({ PORT: '0', OAUTH_AUDIENCE: AUDIENCE })
    const [code] = (await once(server.child, 'exit')) as [number]
    expect(code).toBe(1)
    expect(server.output()).toContain(
      'example-passport: missing environment variable(s): OAUTH_ISSUER',
    )
  })

  it('exits with a clear message for a plain http issuer off loopback', async () => {
    const server = start({
      PORT: '0',
      OAUTH_ISSUER: 'http://auth.example.com',
      OAUTH_AUDIENCE: AUDIENCE,
    })
    const [code] = (await once(server.child, 'exit')) as [number]
    expect(code).toBe(1)
    expect(server.output()).toMatch(/issuer: .*allowInsecureHttp/)
  })

  it('exits 0 on SIGTERM', async () => {
    const issuer = await createTestIssuer({ audience: AUDIENCE })
    try {
      const server = start({ PORT: '0', OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: AUDIENCE })
      await waitForListening(server.output)
      expect(await stop(server)).toBe(0)
    } finally {
      await issuer.close()
    }
  })

  it('types scope names declared through Register', () => {
    expect(typeof requireScope('files:read')).toBe('function')
    // @ts-expect-error 'files:wrte' is not one of the declared scopes (the typecheck task proves it)
    expect(() => requireScope('files:wrte')).not.toThrow()
  })
})
