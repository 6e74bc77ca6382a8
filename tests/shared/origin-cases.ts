// The request origin and "one policy, every door" (issue 12, items 4 and 6), over raw sockets so
// that the Host bytes, the HTTP version and the request target are exactly what the case sends:
// a Host that cannot form an origin is 400 (never a 500 with a stack trace), a Host cannot move
// the path a DPoP proof names, publicOrigin makes the Host irrelevant, a requirement after an
// optional route answers 401 with the server's full challenge, and a form access_token next to a
// header token is 400. This file is imported (by relative path) by the tests of
// @scopeguard/express, koa, passport and nestjs; each builds the app described at
// `describeOriginCases` with its own framework.
import { type ResourceServerOptions } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestIssuer,
  rawRequest,
  type RawRequestOptions,
  type RawResponse,
  type TestIssuer,
} from '@scopeguard/testing'
import * as dpop from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningApp } from './serve.js'

export const AUDIENCE = 'https://files.example.test'
/** The origin clients use, as configured with `publicOrigin` on the `public` app. */
export const PUBLIC_ORIGIN = 'https://api.files.example.test'

/** What the framework lets the cases reach. */
export interface OriginCaseOptions {
  /**
   * Whether a request with any target (`OPTIONS *`, an absolute-form URL) reaches the adapter's
   * guard (false where the framework only runs it on matched routes, as Nest does).
   */
  anyTarget: boolean
  /** Whether the app parses a form body on GET too (Fastify never does: nothing to see then). */
  getBodies: boolean
}

/**
 * The origin cases for one adapter (`pkg`). `start(options)` serves, on a resource server created
 * from `options`, with URL-encoded form bodies parsed (on GET too, with `getBodies`):
 *
 * - `GET /files` and `POST /files`: the adapter's guard, then `requireScope('files:read')`
 * - `GET /optional`: the guard with `optional: true` (Nest: `@OptionalAuth()`), then
 *   `requireScope('files:read')`
 * - with `anyTarget`, every other request: the guard, then 404
 *
 * Every success answers `{ ok: true }`; errors are rendered as the adapter does by default.
 */
export function describeOriginCases(
  pkg: string,
  start: (options: ResourceServerOptions) => Promise<RunningApp>,
  { anyTarget, getBodies }: OriginCaseOptions,
): void {
  let issuer: TestIssuer
  let key: dpop.KeyPair
  let jkt: string
  let plain: RunningApp
  let behindProxy: RunningApp
  const options = (extra: Partial<ResourceServerOptions> = {}): ResourceServerOptions => ({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    resourceMetadata: { resource: AUDIENCE },
    logger: false,
    ...extra,
  })

  /** A DPoP-bound token for files:read and a proof of it for `htu`. */
  async function boundToken(htu: string, method = 'GET'): Promise<[string, string][]> {
    const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
    const proof = await dpop.generateProof(key, htu, method, undefined, token)
    return [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', proof],
    ]
  }

  function port(app: RunningApp): string {
    return new URL(app.origin).port
  }

  /** The answer must be the adapter's JSON error, with no stack trace or token in it. */
  function expectError(response: RawResponse, status: number, error: string): void {
    expect({ status: response.status, body: response.body }).toMatchObject({ status })
    expect(JSON.parse(response.body)).toEqual({ error, error_description: expect.any(String) })
    expect(response.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.js:\d+/)
    expect(response.headers['cache-control']).toEqual(['no-store'])
  }

  describe(`${pkg}: the request origin and one policy on every door`, () => {
    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: AUDIENCE })
      key = await dpop.generateKeyPair('ES256')
      jkt = await dpop.calculateThumbprint(key.publicKey)
      plain = await start(options())
      behindProxy = await start(options({ publicOrigin: PUBLIC_ORIGIN }))
    })
    afterAll(async () => {
      await Promise.all([plain?.close(), behindProxy?.close(), issuer?.close()])
    })

    it('accepts a proof for the scheme and Host the request came with, IPv6 literal included', async () => {
      const headers = await boundToken(`${plain.origin}/files`)
      expect((await rawRequest(plain.origin, { path: '/files?x=1', headers })).status).toBe(200)
      const v6 = `[::1]:${port(plain)}`
      const response = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Host', v6], ...(await boundToken(`http://${v6}/files`))],
      })
      expect(response.status).toBe(200)
    })

    it('refuses a Host that would move the path a proof names (Host: host/intended?)', async () => {
      // On the old code, the proof for /intended was accepted on GET /files.
      const host = `127.0.0.1:${port(plain)}`
      const response = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Host', `${host}/intended?`], ...(await boundToken(`http://${host}/intended`))],
      })
      expectError(response, 400, 'invalid_request')
      expect(response.body).not.toContain('intended')
    })

    it.each([
      ['a@b', 'userinfo'],
      ['[', 'a broken IPv6 literal'],
      ['127.0.0.1:999999', 'a port above 65535'],
      ['127.0.0.1:80/x', 'a path'],
    ])('answers 400, not 500, for the Host %j (%s) with a DPoP proof', async (host) => {
      const response = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Host', host], ...(await boundToken(`${plain.origin}/files`))],
      })
      expectError(response, 400, 'invalid_request')
    })

    it('answers 400, not 500, for a DPoP request without a Host (HTTP/1.0) or with two', async () => {
      const headers = await boundToken(`${plain.origin}/files`)
      const none = await rawRequest(plain.origin, {
        path: '/files',
        httpVersion: '1.0',
        omitHost: true,
        headers,
      })
      expectError(none, 400, 'invalid_request')
      const host = `127.0.0.1:${port(plain)}`
      const twice = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Host', host], ['Host', 'evil.example'], ...headers],
      })
      expectError(twice, 400, 'invalid_request')
    })

    it('reads no Host for a Bearer request: a malformed one does not matter without a proof', async () => {
      const token = await issuer.sign({ scope: 'files:read' })
      const response = await rawRequest(plain.origin, {
        path: '/files',
        headers: [
          ['Host', 'a@b'],
          ['Authorization', `Bearer ${token}`],
        ],
      })
      expect(response.status).toBe(200)
    })

    it('with publicOrigin, checks the proof against it and needs no valid Host', async () => {
      const headers = await boundToken(`${PUBLIC_ORIGIN}/files`)
      const response = await rawRequest(behindProxy.origin, {
        path: '/files',
        headers: [['Host', 'a@b'], ...headers],
      })
      expect(response.status).toBe(200)
      const again = await boundToken(`${PUBLIC_ORIGIN}/files`)
      const none = await rawRequest(behindProxy.origin, {
        path: '/files',
        httpVersion: '1.0',
        omitHost: true,
        headers: again,
      })
      expect(none.status).toBe(200)
    })

    if (anyTarget) {
      it('answers 400, not 500, for an absolute-form target with a bad port, even with publicOrigin', async () => {
        for (const app of [plain, behindProxy]) {
          const response = await rawRequest(app.origin, {
            path: `http://127.0.0.1:999999/files`,
            headers: await boundToken(`${PUBLIC_ORIGIN}/files`),
          })
          expectError(response, 400, 'invalid_request')
        }
      })

      it('answers 400, not 500, for OPTIONS * with a DPoP proof, even with publicOrigin', async () => {
        for (const app of [plain, behindProxy]) {
          const response = await rawRequest(app.origin, {
            method: 'OPTIONS',
            path: '*',
            headers: await boundToken(`${PUBLIC_ORIGIN}/files`, 'OPTIONS'),
          })
          expectError(response, 400, 'invalid_request')
        }
      })
    }

    it('answers a requirement after an optional guard with 401 and the full challenge', async () => {
      const mandatory = await rawRequest(behindProxy.origin, { path: '/files' })
      const optional = await rawRequest(behindProxy.origin, { path: '/optional' })
      expectError(optional, 401, 'missing_token')
      // The same challenge as a mandatory route's: realm, both schemes, no error code.
      expect(optional.headers['www-authenticate']).toEqual(mandatory.headers['www-authenticate'])
      const challenges = parseChallenges(optional.headers['www-authenticate']?.[0] ?? '')
      expect(challenges.map((c) => c.scheme)).toEqual(['Bearer', 'DPoP'])
      const metadata = `${AUDIENCE}/.well-known/oauth-protected-resource`
      // NestJS knows the route's @Scopes() and names them (scope); a middleware chain does not.
      const { scope, ...bearerParams } = challenges[0]?.params ?? {}
      expect(bearerParams).toEqual({ realm: 'api', resource_metadata: metadata })
      expect([undefined, 'files:read']).toContain(scope)
      expect(challenges[1]?.params).toEqual({
        realm: 'api',
        algs: expect.any(String),
        resource_metadata: metadata,
      })
      // With a token, the requirement runs as usual.
      const read = await issuer.sign({ scope: 'files:read' })
      const other = await issuer.sign({ scope: 'other' })
      const bearer = (token: string): RawRequestOptions => ({
        path: '/optional',
        headers: [['Authorization', `Bearer ${token}`]],
      })
      expect((await rawRequest(behindProxy.origin, bearer(read))).status).toBe(200)
      expectError(await rawRequest(behindProxy.origin, bearer(other)), 403, 'insufficient_scope')
    })

    it('with DPoP required, the anonymous refusal offers only the DPoP challenge', async () => {
      const required = await start(options({ dpop: 'required', publicOrigin: PUBLIC_ORIGIN }))
      try {
        const response = await rawRequest(required.origin, { path: '/optional' })
        expectError(response, 401, 'missing_token')
        const challenges = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
        expect(challenges.map((c) => c.scheme)).toEqual(['DPoP'])
      } finally {
        await required.close()
      }
    })

    it.each(getBodies ? ['POST', 'GET'] : ['POST'])(
      'answers 400 for a header token plus a form access_token (%s, RFC 6750 §2)',
      async (method) => {
        const token = await issuer.sign({ scope: 'files:read' })
        const response = await rawRequest(behindProxy.origin, {
          method,
          path: '/files',
          headers: [
            ['Authorization', `Bearer ${token}`],
            ['Content-Type', 'application/x-www-form-urlencoded'],
          ],
          body: `access_token=${token}`,
        })
        expectError(response, 400, 'invalid_request')
        expect(response.body).not.toContain(token)
        // The form itself is fine: without the second token the request is served.
        const alone = await rawRequest(behindProxy.origin, {
          method,
          path: '/files',
          headers: [
            ['Authorization', `Bearer ${token}`],
            ['Content-Type', 'application/x-www-form-urlencoded'],
          ],
          body: 'name=report.txt',
        })
        expect(alone.status).toBe(200)
      },
    )
  })
}
