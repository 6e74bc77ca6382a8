import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import * as dpop from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { globalGuardModule, PLATFORMS, startNest, type RunningApp } from './nest-apps.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer
let key: dpop.KeyPair
let jkt: string
let clock = Date.now()

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  key = await dpop.generateKeyPair('ES256')
  jkt = await dpop.calculateThumbprint(key.publicKey)
})
afterAll(async () => {
  await issuer?.close()
})

async function call(origin: string, token: string, proof: string) {
  const response = await rawRequest(origin, {
    path: '/files?page=1',
    headers: [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', proof],
    ],
  })
  const challenges = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown>, challenges }
}

for (const platform of PLATFORMS) {
  describe(`@scopeguard/nestjs with DPoP (RFC 9449) on ${platform}, proofs from the dpop package`, () => {
    let plain: RunningApp
    let nonced: RunningApp
    const options = () => ({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      logger: false as const,
      now: () => clock,
    })

    beforeAll(async () => {
      plain = await startNest(globalGuardModule(options()), platform)
      nonced = await startNest(globalGuardModule({ ...options(), dpop: { nonce: true } }), platform)
    })
    afterAll(async () => {
      await Promise.all([plain?.close(), nonced?.close()])
    })

    it('accepts a DPoP-bound token with its proof, and refuses the replay', async () => {
      const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
      const proof = await dpop.generateProof(key, `${plain.origin}/files`, 'GET', undefined, token)
      const ok = await call(plain.origin, token, proof)
      expect(ok.status).toBe(200)
      expect(ok.json).toEqual({ sub: 'user-123', scopes: ['files:read'] })
      const replay = await call(plain.origin, token, proof)
      expect(replay.status).toBe(401)
      expect(replay.json).toEqual({
        error: 'invalid_dpop_proof',
        error_description: expect.any(String),
      })
      expect(replay.challenges.find((c) => c.scheme === 'DPoP')?.params['error']).toBe(
        'invalid_dpop_proof',
      )
      expect(plain.errors).toEqual([])
    })

    it('puts 403 insufficient_scope on the DPoP challenge, and refuses the bound token as Bearer', async () => {
      const token = await issuer.sign({ cnf: { jkt }, scope: 'other' })
      const proof = await dpop.generateProof(key, `${plain.origin}/files`, 'GET', undefined, token)
      const denied = await call(plain.origin, token, proof)
      expect(denied.status).toBe(403)
      expect(denied.challenges.find((c) => c.scheme === 'DPoP')?.params['error']).toBe(
        'insufficient_scope',
      )
      const bearer = await rawRequest(plain.origin, {
        path: '/files',
        headers: [['Authorization', `Bearer ${token}`]],
      })
      expect(bearer.status).toBe(401)
      expect(
        parseChallenges(bearer.headers['www-authenticate']?.[0] ?? '')[0]?.params['error'],
      ).toBe('invalid_token')
    })

    it('asks for a nonce and sends the next one on a 200 after rotation', async () => {
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
      const nonce = first.headers['dpop-nonce']?.[0] as string
      expect(nonce).toMatch(/^[\w-]+$/)
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
  })
}
