// The DPoP (RFC 9449) cases the Express, Koa and Passport adapters are held to, with proofs from
// the dpop package (a real client library): a bound token with its proof, replay, 403 on the DPoP
// challenge, the bound token refused as Bearer, and server nonces with rotation. Each adapter's
// dpop.test.ts serves the app described at `describeDpopCases` with its own framework.
import { type ResourceServerOptions } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import * as dpop from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningApp } from './serve.js'

export const AUDIENCE = 'https://files.example.test'

/** What the cases share with an adapter's own further tests (read it inside tests and hooks). */
export interface DpopCases {
  readonly issuer: TestIssuer
  readonly key: dpop.KeyPair
  readonly jkt: string
  /** The app without nonces. */
  readonly plain: RunningApp
  /** Resource server options on the test issuer and the cases' clock; `extra` is merged in. */
  options(extra?: Partial<ResourceServerOptions>): ResourceServerOptions
}

/**
 * The DPoP cases for one adapter (`pkg`; `framework` names the framework whose request URL the
 * proof's `htu` must match). `start(options)` serves `GET /files` behind the adapter's guard
 * on a resource server created from `options`, with `requireScope('files:read')`, answering
 * `{ tokenType, thumbprint }` from the auth object (`auth.dpop?.thumbprint`) as JSON, and
 * rendering the core's errors as the adapter does. `more(cases)` adds the adapter's own tests to
 * the same describe block.
 */
export function describeDpopCases(
  pkg: string,
  framework: string,
  start: (options: ResourceServerOptions) => Promise<RunningApp>,
  more?: (cases: DpopCases) => void,
): void {
  let issuer: TestIssuer
  let key: dpop.KeyPair
  let jkt: string
  let clock = Date.now()
  let plain: RunningApp
  let nonced: RunningApp
  const options = (extra: Partial<ResourceServerOptions> = {}): ResourceServerOptions => ({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    now: () => clock,
    ...extra,
  })
  const cases: DpopCases = {
    get issuer() {
      return issuer
    },
    get key() {
      return key
    },
    get jkt() {
      return jkt
    },
    get plain() {
      return plain
    },
    options,
  }

  async function call(origin: string, token: string, proof: string, scheme = 'DPoP') {
    const response = await rawRequest(origin, {
      path: '/files?page=1',
      headers: [
        ['Authorization', `${scheme} ${token}`],
        ['DPoP', proof],
      ],
    })
    const challenges = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown>, challenges }
  }

  describe(`${pkg} with DPoP (RFC 9449), proofs from the dpop package`, () => {
    beforeAll(async () => {
      issuer = await createTestIssuer({ audience: AUDIENCE })
      key = await dpop.generateKeyPair('ES256')
      jkt = await dpop.calculateThumbprint(key.publicKey)
      plain = await start(options())
      nonced = await start(options({ dpop: { nonce: true } }))
    })
    afterAll(async () => {
      await Promise.all([plain?.close(), nonced?.close(), issuer?.close()])
    })

    it(`accepts a DPoP-bound token with a proof for the URL ${framework} saw, and refuses its replay`, async () => {
      const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
      const proof = await dpop.generateProof(key, `${plain.origin}/files`, 'GET', undefined, token)
      const ok = await call(plain.origin, token, proof)
      expect(ok.status).toBe(200)
      expect(ok.json).toEqual({ tokenType: 'DPoP', thumbprint: jkt })
      const replay = await call(plain.origin, token, proof)
      expect(replay.status).toBe(401)
      expect(replay.json['error']).toBe('invalid_dpop_proof')
      expect(replay.challenges.find((c) => c.scheme === 'DPoP')?.params['error']).toBe(
        'invalid_dpop_proof',
      )
    })

    it('puts 403 insufficient_scope on the DPoP challenge', async () => {
      const token = await issuer.sign({ cnf: { jkt }, scope: 'other' })
      const proof = await dpop.generateProof(key, `${plain.origin}/files`, 'GET', undefined, token)
      const denied = await call(plain.origin, token, proof)
      expect(denied.status).toBe(403)
      expect(denied.challenges.find((c) => c.scheme === 'DPoP')?.params).toMatchObject({
        error: 'insufficient_scope',
        scope: 'files:read',
      })
    })

    it('refuses the DPoP-bound token sent as Bearer', async () => {
      const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
      const response = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Authorization', `Bearer ${token}`]],
      })
      expect(response.status).toBe(401)
      const [bearer, dpopChallenge] = parseChallenges(
        response.headers['www-authenticate']?.[0] ?? '',
      )
      expect(bearer?.params['error']).toBe('invalid_token')
      expect(dpopChallenge?.params['algs']).toContain('ES256')
    })

    it('asks for a nonce with DPoP-Nonce, accepts it, and sends the next one after rotation', async () => {
      // The server's clock starts at the real time here: proofs carry the real iat, and one
      // more than clockTolerance ahead of the server's clock is refused as from the future.
      clock = Date.now()
      const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' }, { expiresIn: 3600 })
      const url = `${nonced.origin}/files`
      const first = await call(
        nonced.origin,
        token,
        await dpop.generateProof(key, url, 'GET', undefined, token),
      )
      expect(first.status).toBe(401)
      expect(first.json['error']).toBe('use_dpop_nonce')
      expect(first.headers['cache-control']).toEqual(['no-store'])
      const nonce = first.headers['dpop-nonce']?.[0] as string
      expect(nonce).toMatch(/^[\w-]+$/)
      const second = await call(
        nonced.origin,
        token,
        await dpop.generateProof(key, url, 'GET', nonce, token),
      )
      expect(second.status).toBe(200)
      expect(second.headers['dpop-nonce']).toBeUndefined()
      // Into the next 60 s nonce period, never the one after (+61 s from late in a period would
      // skip a period, and the first nonce would then be two periods old).
      clock = (Math.floor(clock / 60_000) + 1) * 60_000 + 1_000
      const rotated = await call(
        nonced.origin,
        token,
        await dpop.generateProof(key, url, 'GET', nonce, token),
      )
      expect(rotated.status).toBe(200)
      expect(rotated.headers['dpop-nonce']?.[0]).toMatch(/^[\w-]+$/)
      expect(rotated.headers['dpop-nonce']?.[0]).not.toBe(nonce)
    })

    more?.(cases)
  })
}
