// The cases every runtime must pass with the Hono example (and so @scopeguard/hono,
// @scopeguard/web and the core) running on it: the test issuer runs on Node in the test process,
// the runtime under test serves the app, and the test talks HTTP to it on loopback.
import { parseChallenges } from '@scopeguard/core'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import * as dpop from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

export const AUDIENCE = 'https://api.runtimes.example.test'
const CLIENT = { clientId: 'runtime-api', clientSecret: 'runtime-secret-0123456789abcdef' }

/** The app under test, running on some runtime. */
export interface RunningRuntime {
  origin: string
  stop(): Promise<void>
}

/** Starts the Hono example on a runtime with the examples contract's variables. */
export type StartRuntime = (env: Record<string, string>) => Promise<RunningRuntime>

export function describeRuntimeCases(runtime: string, start: StartRuntime): void {
  describe(`the Hono example on ${runtime}`, () => {
    let issuer: TestIssuer
    let app: RunningRuntime

    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
      app = await start({
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_AUDIENCE: AUDIENCE,
        OAUTH_CLIENT_ID: CLIENT.clientId,
        OAUTH_CLIENT_SECRET: CLIENT.clientSecret,
      })
    })
    afterAll(async () => {
      await app?.stop()
      await issuer?.close()
    })

    /** One request with fetch (Miniflare's server keeps connections open: no raw sockets here). */
    async function request(
      path: string,
      init: { method?: string; headers?: [string, string][]; body?: string } = {},
    ): Promise<{ status: number; headers: Headers; body: string }> {
      const response = await fetch(app.origin + path, {
        method: init.method ?? 'GET',
        headers: init.headers ?? [],
        ...(init.body === undefined ? {} : { body: init.body }),
      })
      return { status: response.status, headers: response.headers, body: await response.text() }
    }
    const get = (path: string, headers: [string, string][] = []) => request(path, { headers })
    const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`]

    function challenge(header: string | null) {
      expect(header).not.toBeNull()
      return parseChallenges(header ?? '')
    }

    it('answers 200 to a JWT with the scope (JWT happy path)', async () => {
      const response = await get('/files', [bearer(await issuer.sign({ scope: 'files:read' }))])
      expect(response.status).toBe(200)
      expect(JSON.parse(response.body)).toMatchObject({ files: [{ name: 'welcome.txt' }] })
      const me = await get('/me', [bearer(await issuer.sign({ scope: 'files:read' }))])
      expect(JSON.parse(me.body)).toMatchObject({ sub: 'user-123', scopes: ['files:read'] })
    })

    it('answers 401 with the challenges to a request without a token', async () => {
      const response = await get('/files')
      expect(response.status).toBe(401)
      const [bearerChallenge, dpopChallenge] = challenge(response.headers.get('www-authenticate'))
      expect(bearerChallenge).toMatchObject({
        scheme: 'Bearer',
        params: {
          realm: 'api',
          resource_metadata: `${AUDIENCE}/.well-known/oauth-protected-resource`,
        },
      })
      expect(bearerChallenge?.params['error']).toBeUndefined()
      expect(dpopChallenge?.scheme).toBe('DPoP')
      expect(response.headers.get('cache-control')).toBe('no-store')
      expect(JSON.parse(response.body)).toMatchObject({ error: 'missing_token' })
    })

    it('answers 401 invalid_token to an expired token, without the token in the answer', async () => {
      const token = await issuer.sign({ scope: 'files:read' }, { expiresIn: -600 })
      const response = await get('/files', [bearer(token)])
      expect(response.status).toBe(401)
      const [bearerChallenge] = challenge(response.headers.get('www-authenticate'))
      expect(bearerChallenge?.params['error']).toBe('invalid_token')
      expect(response.body).not.toContain(token.split('.')[2])
    })

    it('answers 403 insufficient_scope naming the scope', async () => {
      const token = await issuer.sign({ scope: 'files:read' })
      const response = await request('/files', {
        method: 'POST',
        headers: [bearer(token), ['Content-Type', 'application/json']],
        body: '{"name":"a.txt"}',
      })
      expect(response.status).toBe(403)
      const [bearerChallenge] = challenge(response.headers.get('www-authenticate'))
      expect(bearerChallenge?.params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'files:write',
      })
      const writer = await issuer.sign({ scope: 'files:write' })
      const created = await request('/files', {
        method: 'POST',
        headers: [bearer(writer), ['Content-Type', 'application/json']],
        body: '{"name":"a.txt"}',
      })
      expect(created.status).toBe(201)
      expect(JSON.parse(created.body)).toMatchObject({ name: 'a.txt', owner: 'user-123' })
    })

    it('accepts a DPoP-bound token with a proof for the URL the runtime saw, and refuses its replay', async () => {
      const key = await dpop.generateKeyPair('ES256')
      const jkt = await dpop.calculateThumbprint(key.publicKey)
      const token = await issuer.sign({ scope: 'files:read', cnf: { jkt } })
      const proof = await dpop.generateProof(key, `${app.origin}/files`, 'GET', undefined, token)
      const headers: [string, string][] = [
        ['Authorization', `DPoP ${token}`],
        ['DPoP', proof],
      ]
      const first = await get('/files', headers)
      expect(first.status).toBe(200)
      const replay = await get('/files', headers)
      expect(replay.status).toBe(401)
      const [, dpopChallenge] = challenge(replay.headers.get('www-authenticate'))
      expect(dpopChallenge?.params['error']).toBe('invalid_dpop_proof')
      const elsewhere = await dpop.generateProof(key, `${app.origin}/me`, 'GET', undefined, token)
      const wrongUrl = await get('/files', [headers[0] as [string, string], ['DPoP', elsewhere]])
      expect(wrongUrl.status).toBe(401)
    })

    it('introspects an opaque token: active is 200, revoked is 401', async () => {
      const opaque = issuer.issueOpaque({ scope: 'files:read' })
      expect((await get('/files', [bearer(opaque)])).status).toBe(200)
      const revoked = issuer.issueOpaque({ scope: 'files:read' })
      issuer.revoke(revoked)
      const response = await get('/files', [bearer(revoked)])
      expect(response.status).toBe(401)
      expect(issuer.requestCount('introspection')).toBeGreaterThanOrEqual(2)
    })

    it('serves the protected resource metadata document', async () => {
      const response = await get('/.well-known/oauth-protected-resource')
      expect(response.status).toBe(200)
      expect(response.headers.get('access-control-allow-origin')).toBe('*')
      expect(JSON.parse(response.body)).toMatchObject({
        resource: AUDIENCE,
        authorization_servers: [issuer.issuer],
        scopes_supported: expect.arrayContaining(['files:read', 'files:write']),
      })
    })
  })
}
