import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { requireScope } from '@scopeguard/hono'
import { createTestIssuer, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../src/scopes.js'

const serverPath = fileURLToPath(new URL('../dist/server.js', import.meta.url))
const AUDIENCE = 'http://api.example.test'

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [serverPath], {
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

describe('examples/hono implements the examples contract', () => {
  let issuer: TestIssuer
  let server: { child: ChildProcess; output: () => string }
  let origin: string

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    server = start({ PORT: '0', OAUTH_ISSUER: issuer.issuer, OAUTH_AUDIENCE: AUDIENCE })
    origin = await waitForListening(server.output)
  })
  afterAll(async () => {
    server.child.kill('SIGTERM')
    await once(server.child, 'exit')
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

  it('serves GET /health without a token', async () => {
    const response = await get('/health')
    expect(response.status).toBe(200)
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
    })
  })

  it('answers 401 without a token and 401 invalid_token with a tampered one', async () => {
    const none = await get('/me')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="api", DPoP realm="api", algs="ES256 [^"]*"$/,
    )
    const bad = await get('/me', tamper(await issuer.sign()))
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ error: 'invalid_token' })
  })

  it('discovered the JWKS through the issuer metadata once', () => {
    expect(issuer.requestCount('metadata')).toBeGreaterThanOrEqual(1)
    expect(issuer.requestCount('jwks')).toBe(1)
  })
})

describe('examples/hono configuration', () => {
  it('exits with a clear message when OAUTH_ISSUER is missing', async () => {
    const server = start({ PORT: '0', OAUTH_AUDIENCE: AUDIENCE })
    const [code] = (await once(server.child, 'exit')) as [number]
    expect(code).toBe(1)
    expect(server.output()).toContain('missing environment variable(s): OAUTH_ISSUER')
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

  it('types scope names declared through Register', () => {
    expect(typeof requireScope('files:read')).toBe('function')
    // @ts-expect-error 'files:wrte' is not one of the declared scopes (the typecheck task proves it)
    expect(() => requireScope('files:wrte')).not.toThrow()
  })
})
