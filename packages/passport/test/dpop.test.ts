import type { Server } from 'node:http'
import { createResourceServer, parseChallenges } from '@scopeguard/core'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import * as dpop from 'dpop'
import express from 'express'
import passportStatic from 'passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorHandler, getAuth, requireScope, ScopeguardStrategy } from '../src/index.js'

const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer
let key: dpop.KeyPair
let jkt: string
let clock = Date.now()

async function listen(app: express.Express): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function app(nonce: boolean): express.Express {
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    now: () => clock,
    ...(nonce ? { dpop: { nonce: true } } : {}),
  })
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(rs))
  const application = express()
  application.use(passport.initialize())
  const guard = passport.authenticate('scopeguard', { session: false, failWithError: true })
  application.get('/files', guard, requireScope('files:read'), (req, res) => {
    const auth = getAuth(req)
    res.json({ tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint })
  })
  application.use(errorHandler())
  application.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'server_error', message: error.message })
    },
  )
  return application
}

let plain: { origin: string; close(): Promise<void> }
let nonced: { origin: string; close(): Promise<void> }

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  key = await dpop.generateKeyPair('ES256')
  jkt = await dpop.calculateThumbprint(key.publicKey)
  plain = await listen(app(false))
  nonced = await listen(app(true))
})
afterAll(async () => {
  await Promise.all([plain?.close(), nonced?.close(), issuer?.close()])
})

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

describe('@scopeguard/passport with DPoP (RFC 9449), proofs from the dpop package', () => {
  it('accepts a DPoP-bound token with a proof for the URL Express saw, and refuses its replay', async () => {
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
    const [bearer, dpopChallenge] = parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
    expect(bearer?.params['error']).toBe('invalid_token')
    expect(dpopChallenge?.params['algs']).toContain('ES256')
  })

  it('asks for a nonce with DPoP-Nonce, accepts it, and sends the next one after rotation', async () => {
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
    clock += 61_000
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
