import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestIssuer,
  rawRequest,
  type RawResponse,
  type TestIssuer,
} from '@scopeguard/testing'
import * as dpop from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { RESOURCE } from './cases.js'
import { DPOP_ALGS } from './dpop-cases.js'
import { startExample, type RunningExample } from './example-process.js'

// The four examples as instances of one API behind a load balancer: DPoP required, server nonces
// derived from one secret (OAUTH_DPOP_NONCE), htu checked against PUBLIC_ORIGIN. A nonce any of
// them hands out is valid at all of them, and they all answer alike.
const SECRET = 'conformance nonce secret, shared by every instance'
const FILES = `${RESOURCE}/files`

let issuer: TestIssuer
let key: dpop.KeyPair
let jkt: string
const running: RunningExample[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE })
  key = await dpop.generateKeyPair('ES256')
  jkt = await dpop.calculateThumbprint(key.publicKey)
  for (const adapter of ADAPTERS) {
    running.push(
      await startExample(adapter, {
        issuer: issuer.issuer,
        audience: RESOURCE,
        extra: { PUBLIC_ORIGIN: RESOURCE, OAUTH_DPOP: 'required', OAUTH_DPOP_NONCE: SECRET },
      }),
    )
  }
}, 60_000)

afterAll(async () => {
  await Promise.all(running.map((example) => example.stop()))
  await issuer?.close()
})

async function send(example: RunningExample, token: string, nonce?: string): Promise<RawResponse> {
  const proof = await dpop.generateProof(key, FILES, 'GET', nonce, token)
  return rawRequest(example.origin, {
    path: '/files',
    headers: [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', proof],
    ],
  })
}

function challenges(response: RawResponse) {
  expect(response.headers['www-authenticate']).toHaveLength(1)
  return parseChallenges(response.headers['www-authenticate']?.[0] ?? '')
}

describe(`DPoP nonces and dpop: 'required' (${ADAPTERS.map((a) => a.name).join(', ')})`, () => {
  it('asks for a nonce with 401 use_dpop_nonce, DPoP-Nonce and no-store, the same everywhere', async () => {
    const token = await issuer.sign({ scope: 'files:read', cnf: { jkt } })
    const nonces = new Set<string>()
    for (const example of running) {
      const label = `example-${example.adapter.name}`
      const response = await send(example, token)
      expect(response.status, label).toBe(401)
      expect(JSON.parse(response.body), label).toEqual({
        error: 'use_dpop_nonce',
        error_description: expect.any(String),
      })
      expect(response.headers['cache-control'], label).toEqual(['no-store'])
      expect(response.headers['dpop-nonce'], label).toHaveLength(1)
      nonces.add(response.headers['dpop-nonce']?.[0] as string)
      const [only, ...others] = challenges(response)
      expect(others, label).toEqual([])
      expect(only?.scheme, label).toBe('DPoP')
      expect(only?.params, label).toMatchObject({ error: 'use_dpop_nonce', algs: DPOP_ALGS })
    }
    // One secret, one period: every instance hands out the same nonce (barring a period boundary).
    expect(nonces.size).toBeLessThanOrEqual(2)
  })

  it('accepts a nonce from any instance at every other one (shared secret)', async () => {
    const token = await issuer.sign({ scope: 'files:read', cnf: { jkt } })
    const first = await send(running[0] as RunningExample, token)
    const nonce = first.headers['dpop-nonce']?.[0] as string
    for (const example of running) {
      const response = await send(example, token, nonce)
      expect(response.status, `example-${example.adapter.name}`).toBe(200)
    }
  })

  it('answers an invented nonce with use_dpop_nonce and a valid one', async () => {
    const token = await issuer.sign({ scope: 'files:read', cnf: { jkt } })
    for (const example of running) {
      const label = `example-${example.adapter.name}`
      const response = await send(example, token, 'invented-nonce-value-0123456789abcdef')
      expect(response.status, label).toBe(401)
      expect(JSON.parse(response.body).error, label).toBe('use_dpop_nonce')
      const fresh = response.headers['dpop-nonce']?.[0] as string
      expect((await send(example, token, fresh)).status, label).toBe(200)
    }
  })

  it('refuses Bearer tokens with 401 invalid_token and only a DPoP challenge', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    for (const example of running) {
      const label = `example-${example.adapter.name}`
      const response = await rawRequest(example.origin, {
        path: '/files',
        headers: [['Authorization', `Bearer ${token}`]],
      })
      expect(response.status, label).toBe(401)
      const [only, ...others] = challenges(response)
      expect(others, label).toEqual([])
      expect(only?.scheme, label).toBe('DPoP')
      expect(only?.params, label).toMatchObject({ error: 'invalid_token', algs: DPOP_ALGS })
      const none = await rawRequest(example.origin, { path: '/files' })
      expect(none.status, label).toBe(401)
      expect(
        challenges(none).map((c) => c.scheme),
        label,
      ).toEqual(['DPoP'])
      expect(challenges(none)[0]?.params['error'], label).toBeUndefined()
    }
  })
})
