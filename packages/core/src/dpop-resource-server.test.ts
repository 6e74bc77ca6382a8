import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import * as dpopClient from 'dpop'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChallenges, type ParsedChallenge } from './challenge.js'
import { errorResponse } from './error-response.js'
import { ConfigurationError, isOAuthError, type OAuthError } from './errors.js'
import { createMemoryStore } from './memory-store.js'
import { silentLogger } from './logger.js'
import type { ResourceServerOptions } from './options.js'
import { headerValue, type RequestLike } from './request.js'
import { requireScope } from './requirements.js'
import { createResourceServer, type ResourceServer } from './resource-server.js'
import type { Store } from './store.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
let key: dpopClient.KeyPair
let jkt: string

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  key = await dpopClient.generateKeyPair('ES256')
  jkt = await dpopClient.calculateThumbprint(key.publicKey)
})
afterAll(async () => {
  await issuer.close()
})

function server(options: Partial<ResourceServerOptions> = {}): ResourceServer {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: silentLogger,
    ...options,
  } as ResourceServerOptions)
}

const ORIGIN = 'https://api.example.com'
const URL_ = `${ORIGIN}/files`

/** A DPoP request for /files as the core sees it. */
async function dpopRequest(
  token: string,
  options: { proof?: string; nonce?: string; method?: string; scheme?: string } = {},
): Promise<RequestLike> {
  const method = options.method ?? 'GET'
  const proof =
    options.proof ?? (await dpopClient.generateProof(key, URL_, method, options.nonce, token))
  return {
    method,
    url: '/files?page=2',
    origin: ORIGIN,
    headers: { authorization: `${options.scheme ?? 'DPoP'} ${token}`, dpop: proof },
  }
}

async function rejection(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise
  } catch (error) {
    if (isOAuthError(error)) return error
    throw error
  }
  throw new Error('expected the promise to reject')
}

function challenges(error: OAuthError): ParsedChallenge[] {
  return parseChallenges(error.headers['WWW-Authenticate'] ?? '')
}

function challenge(error: OAuthError, scheme: string): Record<string, string> | undefined {
  const found = challenges(error).find((c) => c.scheme === scheme)
  return found === undefined ? undefined : { ...found.params }
}

const ALGS = 'ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519'

describe('DPoP through createResourceServer (proofs from the dpop package)', () => {
  let rs: ResourceServer
  beforeAll(() => {
    rs = server()
  })

  it('accepts a DPoP-bound token with its proof and exposes the proof key', async () => {
    const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
    const auth = await rs.authenticate(await dpopRequest(token))
    expect(auth.tokenType).toBe('DPoP')
    expect(auth.dpop?.thumbprint).toBe(jkt)
    expect(auth.dpop?.algorithm).toBe('ES256')
    expect(auth.dpop?.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' })
    expect(auth.dpop?.jwk).not.toHaveProperty('d')
    expect(auth.responseHeaders).toEqual({})
    expect(auth.confirmation).toEqual({ jkt })
  })

  it('accepts the lower-case dpop scheme (RFC 9110 §11.1)', async () => {
    const token = await issuer.sign({ cnf: { jkt } })
    const auth = await rs.authenticate(await dpopRequest(token, { scheme: 'dpop' }))
    expect(auth.tokenType).toBe('DPoP')
  })

  it('rejects the same proof a second time (jti replay)', async () => {
    const token = await issuer.sign({ cnf: { jkt } })
    const request = await dpopRequest(token)
    await rs.authenticate(request)
    const error = await rejection(rs.authenticate({ ...request }))
    expect(error.code).toBe('invalid_dpop_proof')
    expect(error.reason).toBe('dpop_replay')
    expect(challenge(error, 'DPoP')).toMatchObject({ error: 'invalid_dpop_proof', algs: ALGS })
    expect(challenge(error, 'Bearer')).toEqual({ realm: 'api' })
  })

  it('keeps the replay marker only as long as the proof could be accepted', async () => {
    const ttls: number[] = []
    const memory = createMemoryStore()
    const store: Store = {
      ...memory,
      setIfAbsent(k, v, ttl, kind) {
        if (k.startsWith('dpop:v1:jti:')) ttls.push(ttl)
        return memory.setIfAbsent(k, v, ttl, kind)
      },
    }
    const token = await issuer.sign({ cnf: { jkt } })
    const request = await dpopRequest(token)
    const proofIat = decodeJwt(headerValue(request, 'dpop') as string).iat as number
    const at = Date.now() // the server's clock, fixed: the TTL then follows exactly
    await server({ store, now: () => at }).authenticate(request)
    // Until the proof's iat plus maxProofAge (300 s) plus one second, on the server's clock.
    expect(ttls).toEqual([(proofIat + 301) * 1000 - at])
  })

  it('refuses a proof whose key is not the one the token is bound to', async () => {
    const other = await dpopClient.generateKeyPair('ES256')
    const token = await issuer.sign({
      cnf: { jkt: await dpopClient.calculateThumbprint(other.publicKey) },
    })
    const error = await rejection(rs.authenticate(await dpopRequest(token)))
    expect(error.status).toBe(401)
    expect(error.reason).toBe('dpop_binding')
    expect(challenge(error, 'DPoP')).toMatchObject({
      error: 'invalid_token',
      error_description: 'Invalid DPoP key binding',
      algs: ALGS,
    })
  })

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const token = await issuer.sign({})
    const error = await rejection(rs.authenticate(await dpopRequest(token)))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('dpop_binding')
  })

  it('refuses a DPoP-bound token sent as Bearer, with a DPoP challenge next to the Bearer error', async () => {
    const token = await issuer.sign({ cnf: { jkt } })
    const error = await rejection(
      rs.authenticate({
        method: 'GET',
        url: '/files',
        headers: { authorization: `Bearer ${token}` },
      }),
    )
    expect(error.status).toBe(401)
    expect(error.reason).toBe('bearer_downgrade')
    expect(challenges(error).map((c) => c.scheme)).toEqual(['Bearer', 'DPoP'])
    expect(challenge(error, 'Bearer')).toMatchObject({ realm: 'api', error: 'invalid_token' })
    expect(challenge(error, 'DPoP')).toEqual({ realm: 'api', algs: ALGS })
  })

  it('refuses an unbound Bearer token that comes with a DPoP proof (ambiguous)', async () => {
    const token = await issuer.sign({})
    const error = await rejection(rs.authenticate(await dpopRequest(token, { scheme: 'Bearer' })))
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_request')
  })

  it('puts a malformed header error on the scheme used, and on both for Bearer plus DPoP (Fig. 19)', async () => {
    const malformed = await rejection(
      rs.authenticate({ method: 'GET', url: '/files', headers: { authorization: 'DPoP a b' } }),
    )
    expect(malformed.status).toBe(400)
    expect(challenge(malformed, 'DPoP')?.['error']).toBe('invalid_request')
    expect(challenge(malformed, 'Bearer')?.['error']).toBeUndefined()
    const bearerOnly = await rejection(
      rs.authenticate({ method: 'GET', url: '/files', headers: { authorization: 'Bearer a b' } }),
    )
    expect(challenge(bearerOnly, 'Bearer')?.['error']).toBe('invalid_request')
    expect(challenge(bearerOnly, 'DPoP')?.['error']).toBeUndefined()
    const both = await rejection(
      rs.authenticate({
        method: 'GET',
        url: '/files',
        headers: {},
        rawHeaders: ['Authorization', 'Bearer abc', 'Authorization', 'DPoP abc'],
      }),
    )
    expect(both.status).toBe(400)
    expect(challenge(both, 'Bearer')?.['error']).toBe('invalid_request')
    expect(challenge(both, 'DPoP')?.['error']).toBe('invalid_request')
  })

  it('asks for both schemes, without error codes, when no token is sent', async () => {
    const error = await rejection(rs.authenticate({ method: 'GET', url: '/files', headers: {} }))
    expect(error.status).toBe(401)
    expect(challenges(error)).toEqual([
      { scheme: 'Bearer', params: { realm: 'api' } },
      { scheme: 'DPoP', params: { realm: 'api', algs: ALGS } },
    ])
  })

  it('requires exactly one well-formed DPoP header', async () => {
    const token = await issuer.sign({ cnf: { jkt } })
    const proof = await dpopClient.generateProof(key, URL_, 'GET', undefined, token)
    const base = { method: 'GET', url: '/files', origin: ORIGIN }
    const cases: RequestLike[] = [
      { ...base, headers: { authorization: `DPoP ${token}` } },
      { ...base, headers: { authorization: `DPoP ${token}`, dpop: `${proof}, ${proof}` } },
      {
        ...base,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
        rawHeaders: ['Authorization', `DPoP ${token}`, 'DPoP', proof, 'dpop', proof],
      },
      { ...base, headers: { authorization: `DPoP ${token}`, dpop: 'not a proof' } },
    ]
    for (const request of cases) {
      const error = await rejection(rs.authenticate(request))
      expect(error.code).toBe('invalid_dpop_proof')
      expect(challenge(error, 'DPoP')?.['error']).toBe('invalid_dpop_proof')
    }
  })

  it('checks htm and htu against the request (normalised, query ignored)', async () => {
    const token = await issuer.sign({ cnf: { jkt } })
    const post = await dpopClient.generateProof(key, URL_, 'POST', undefined, token)
    expect(
      (await rejection(rs.authenticate(await dpopRequest(token, { proof: post })))).description,
    ).toMatch(/method/)
    const other = await dpopClient.generateProof(key, `${ORIGIN}/other`, 'GET', undefined, token)
    expect(
      (await rejection(rs.authenticate(await dpopRequest(token, { proof: other })))).description,
    ).toMatch(/URL/)
    const odd = await dpopClient.generateProof(
      key,
      'HTTPS://API.EXAMPLE.COM:443/files?a=1',
      'GET',
      undefined,
      token,
    )
    await expect(rs.authenticate(await dpopRequest(token, { proof: odd }))).resolves.toBeDefined()
  })

  it('answers 403 for missing scope on the DPoP challenge', async () => {
    const token = await issuer.sign({ cnf: { jkt }, scope: 'files:read' })
    const auth = await rs.authenticate(await dpopRequest(token))
    let error: OAuthError | undefined
    try {
      rs.authorize(auth, requireScope('files:write'))
    } catch (e) {
      error = e as OAuthError
    }
    expect(error?.status).toBe(403)
    expect(challenge(error as OAuthError, 'DPoP')).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:write',
    })
    expect(challenge(error as OAuthError, 'Bearer')).toEqual({ realm: 'api' })
  })

  it('fails closed with 503 when the replay store is down', async () => {
    const broken: Store = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      setIfAbsent: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    }
    const token = await issuer.sign({ cnf: { jkt } })
    const error = await rejection(server({ store: broken }).authenticate(await dpopRequest(token)))
    expect(error.status).toBe(503)
    expect(error.reason).toBe('store_unavailable')
    expect(error.headers['WWW-Authenticate']).toBeUndefined()
  })

  it('applies DPoP and binding to introspected tokens too', async () => {
    const client = { clientId: 'api', clientSecret: 'api-secret-0123456789abcdef' }
    const introspecting = await createTestIssuer({ audience: AUDIENCE, clients: [client] })
    try {
      const opaque = server({ issuer: introspecting.issuer, introspection: client })
      const bound = introspecting.issueOpaque({ cnf: { jkt }, token_type: 'DPoP' })
      const auth = await opaque.authenticate(await dpopRequest(bound))
      expect(auth.format).toBe('opaque')
      expect(auth.tokenType).toBe('DPoP')
      const downgrade = await rejection(
        opaque.authenticate({
          method: 'GET',
          url: '/files',
          headers: { authorization: `Bearer ${bound}` },
        }),
      )
      expect(downgrade.reason).toBe('bearer_downgrade')
      const typedOnly = introspecting.issueOpaque({ token_type: 'DPoP' })
      expect((await rejection(opaque.authenticate(await dpopRequest(typedOnly)))).reason).toBe(
        'dpop_binding',
      )
      const other = introspecting.issueOpaque({ cnf: { jkt: 'x'.repeat(43) }, token_type: 'DPoP' })
      expect((await rejection(opaque.authenticate(await dpopRequest(other)))).description).toBe(
        'Invalid DPoP key binding',
      )
    } finally {
      await introspecting.close()
    }
  })
})

describe('verifyToken under the DPoP policy (one policy, every door)', () => {
  it("'required' refuses an unbound Bearer token with the DPoP challenge, before verifying it", async () => {
    const rs = server({ dpop: 'required' })
    const error = await rejection(rs.verifyToken(await issuer.sign({})))
    expect([error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'bearer_downgrade',
    ])
    expect(challenges(error).map((c) => c.scheme)).toEqual(['DPoP'])
    expect(challenge(error, 'DPoP')).toMatchObject({ error: 'invalid_token', algs: ALGS })
    // Also with a request that carries the token as Bearer.
    const token = await issuer.sign({})
    const bearer = { method: 'GET', url: '/files', headers: { authorization: `Bearer ${token}` } }
    expect((await rejection(rs.verifyToken(token, 'header', bearer))).reason).toBe(
      'bearer_downgrade',
    )
  })

  it('refuses a DPoP-bound token passed without a proof, under every policy that reads DPoP', async () => {
    for (const dpop of ['allowed', 'required'] as const) {
      const error = await rejection(
        server({ dpop }).verifyToken(await issuer.sign({ cnf: { jkt } })),
      )
      expect([error.status, error.reason]).toEqual([401, 'bearer_downgrade'])
    }
  })

  it('checks the proof of a request that carries the token with the DPoP scheme', async () => {
    const rs = server({ dpop: 'required' })
    const token = await issuer.sign({ cnf: { jkt } })
    const request = await dpopRequest(token)
    const auth = await rs.verifyToken(token, 'header', request)
    expect(auth.tokenType).toBe('DPoP')
    expect(auth.dpop?.thumbprint).toBe(jkt)
    // The same proof again is a replay; another token is not the one the proof is bound to.
    expect((await rejection(rs.verifyToken(token, 'header', request))).reason).toBe('dpop_replay')
    const other = await issuer.sign({ cnf: { jkt } })
    const mismatched = await rejection(rs.verifyToken(other, 'header', await dpopRequest(token)))
    expect(mismatched.code).toBe('invalid_dpop_proof')
  })

  it("'allowed' still accepts an unbound Bearer token", async () => {
    await expect(server().verifyToken(await issuer.sign({}))).resolves.toMatchObject({
      tokenType: 'Bearer',
    })
  })
})

describe('DPoP policies and configuration', () => {
  it("'required' refuses Bearer tokens and offers only the DPoP challenge", async () => {
    const rs = server({ dpop: 'required' })
    const token = await issuer.sign({})
    const error = await rejection(
      rs.authenticate({
        method: 'GET',
        url: '/files',
        headers: { authorization: `Bearer ${token}` },
      }),
    )
    expect(error.status).toBe(401)
    expect(error.code).toBe('invalid_token')
    expect(challenges(error).map((c) => c.scheme)).toEqual(['DPoP'])
    expect(challenge(error, 'DPoP')).toMatchObject({ error: 'invalid_token', algs: ALGS })
    const none = await rejection(rs.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(challenges(none)).toEqual([{ scheme: 'DPoP', params: { realm: 'api', algs: ALGS } }])
    const bound = await issuer.sign({ cnf: { jkt } })
    expect((await rs.authenticate(await dpopRequest(bound))).tokenType).toBe('DPoP')
  })

  it("'disabled' treats the DPoP scheme as unsupported and challenges with Bearer only", async () => {
    const rs = server({ dpop: 'disabled' })
    const token = await issuer.sign({ cnf: { jkt } })
    const error = await rejection(rs.authenticate(await dpopRequest(token)))
    expect(error.code).toBe('missing_token')
    expect(error.reason).toBe('unsupported_scheme')
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"')
    await expect(
      rs.authenticate(await dpopRequest(token), { optional: true }),
    ).resolves.toBeUndefined()
  })

  it('advertises only the configured algorithms, and refuses others', async () => {
    const rs = server({ dpop: { algorithms: ['PS256'] } })
    const token = await issuer.sign({ cnf: { jkt } })
    const error = await rejection(rs.authenticate(await dpopRequest(token)))
    expect(challenge(error, 'DPoP')).toMatchObject({ error: 'invalid_dpop_proof', algs: 'PS256' })
  })

  it('checks htu against publicOrigin, not the origin the framework saw', async () => {
    const rs = server({ publicOrigin: 'https://API.example.com:443' })
    const token = await issuer.sign({ cnf: { jkt } })
    const request = { ...(await dpopRequest(token)), origin: 'http://10.0.0.7:3000' }
    await expect(rs.authenticate(request)).resolves.toBeDefined()
    const behindProxy = server()
    const again = { ...(await dpopRequest(token)), origin: 'http://10.0.0.7:3000' }
    expect((await rejection(behindProxy.authenticate(again))).description).toMatch(/URL/)
  })

  it('uses an absolute request URL when there is no origin, and answers 400 (never a 500) without either', async () => {
    const rs = server()
    const token = await issuer.sign({ cnf: { jkt } })
    const { origin: _origin, ...request } = await dpopRequest(token)
    await expect(rs.authenticate({ ...request, url: URL_ })).resolves.toBeDefined()
    // No scheme and no Host: a ConfigurationError here was a 500 at request time.
    const error = await rejection(rs.authenticate(request))
    expect([error.status, error.code]).toEqual([400, 'invalid_request'])
    expect(error).not.toBeInstanceOf(ConfigurationError)
  })

  it('builds htu from the scheme and Host the adapter hands over, refusing one that would move the path', async () => {
    const rs = server()
    const token = await issuer.sign({ cnf: { jkt } })
    const { origin: _origin, ...request } = await dpopRequest(token)
    const parts = { protocol: 'https', host: 'api.example.com' }
    await expect(rs.authenticate({ ...request, ...parts })).resolves.toBeDefined()
    // A proof for /intended, sent to / with Host: api.example.com/intended? (the red team's case)
    const intended = await dpopClient.generateProof(
      key,
      `${ORIGIN}/intended`,
      'GET',
      undefined,
      token,
    )
    const moved = {
      ...request,
      url: '/',
      protocol: 'https',
      host: 'api.example.com/intended?',
      headers: { authorization: `DPoP ${token}`, dpop: intended },
    }
    const error = await rejection(rs.authenticate(moved))
    expect([error.status, error.code, error.reason]).toEqual([400, 'invalid_request', 'bad_origin'])
  })

  it('warns once at construction when DPoP is enabled without publicOrigin', () => {
    const seen: string[] = []
    const logger = { warn: (message: string) => seen.push(message), error: () => {} }
    createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger })
    expect(seen).toEqual([expect.stringMatching(/publicOrigin is not set.*Set publicOrigin/)])
    seen.length = 0
    createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      logger,
      publicOrigin: ORIGIN,
    })
    createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger, dpop: 'disabled' })
    expect(seen).toEqual([])
  })

  it('validates the options at construction', () => {
    expect(() => server({ dpop: 'sometimes' as never })).toThrow(/dpop must be/)
    expect(() => server({ dpop: { policy: 'on' as never } })).toThrow(/dpop.policy/)
    expect(() => server({ dpop: { algorithms: ['HS256'] } })).toThrow(/asymmetric/)
    expect(() => server({ dpop: { algorithms: [] } })).toThrow(/non-empty/)
    expect(() => server({ dpop: { maxProofAge: -1 } })).toThrow(/maxProofAge/)
    expect(() => server({ dpop: { nonce: { secret: 'short' } } })).toThrow(/32 bytes/)
    expect(() => server({ dpop: { nonce: { rotationSeconds: 0 } } })).toThrow(/rotationSeconds/)
    expect(() => server({ dpop: { nonces: true } as never })).toThrow(
      /unknown option "dpop.nonces"/,
    )
    expect(() => server({ publicOrigin: 'https://api.example.com/v1' })).toThrow(/origin only/)
    expect(() => server({ publicOrigin: 'ftp://api.example.com' })).toThrow(/http/)
    expect(() => server({ publicOrigin: 'api.example.com' })).toThrow(/not a valid URL/)
  })
})

describe('DPoP server nonces', () => {
  const SECRET = 'a shared secret of at least thirty-two bytes'

  it('asks for a nonce, accepts it, and refuses a stale one with a new nonce', async () => {
    let now = Date.now()
    const rs = server({ dpop: { nonce: true }, now: () => now })
    const token = await issuer.sign({ cnf: { jkt } }, { expiresIn: 3600 })
    const first = await rejection(rs.authenticate(await dpopRequest(token)))
    expect(first.status).toBe(401)
    expect(first.code).toBe('use_dpop_nonce')
    const nonce = first.headers['DPoP-Nonce'] as string
    expect(nonce).toMatch(/^[\w-]{32}$/)
    expect(first.headers['Cache-Control']).toBe('no-store')
    expect(challenge(first, 'DPoP')).toMatchObject({ error: 'use_dpop_nonce', algs: ALGS })
    const auth = await rs.authenticate(await dpopRequest(token, { nonce }))
    expect(auth.responseHeaders).toEqual({})
    // One period later the nonce is still accepted, and the response hands out the new one.
    // Into the next 60 s nonce period, never the one after (+61 s from late in a period would
    // skip a period, and the first nonce would then be two periods old).
    now = (Math.floor(now / 60_000) + 1) * 60_000 + 1_000
    const rotated = await rs.authenticate(await dpopRequest(token, { nonce }))
    const next = rotated.responseHeaders?.['DPoP-Nonce']
    expect(next).toMatch(/^[\w-]{32}$/)
    expect(next).not.toBe(nonce)
    now += 120_000
    const stale = await rejection(rs.authenticate(await dpopRequest(token, { nonce })))
    expect(stale.code).toBe('use_dpop_nonce')
    expect(stale.description).toMatch(/not current/)
    expect(stale.headers['DPoP-Nonce']).not.toBe(nonce)
    const made = await rejection(
      rs.authenticate(await dpopRequest(token, { nonce: 'x'.repeat(32) })),
    )
    expect(made.code).toBe('use_dpop_nonce')
  })

  it('shares store-kept nonces between instances on one store', async () => {
    const store = createMemoryStore()
    const a = server({ store, dpop: { nonce: true } })
    const b = server({ store, dpop: { nonce: true } })
    const token = await issuer.sign({ cnf: { jkt } })
    const nonce = (await rejection(a.authenticate(await dpopRequest(token)))).headers['DPoP-Nonce']
    await expect(b.authenticate(await dpopRequest(token, { nonce }))).resolves.toBeDefined()
    const separate = server({ dpop: { nonce: true } })
    expect((await rejection(separate.authenticate(await dpopRequest(token, { nonce })))).code).toBe(
      'use_dpop_nonce',
    )
  })

  it('derives the same nonces from one secret on instances without a shared store', async () => {
    const a = server({ dpop: { nonce: { secret: SECRET } } })
    const b = server({ dpop: { nonce: { secret: SECRET } } })
    const c = server({ dpop: { nonce: { secret: `${SECRET}, but another` } } })
    const token = await issuer.sign({ cnf: { jkt } })
    const nonce = (await rejection(a.authenticate(await dpopRequest(token)))).headers['DPoP-Nonce']
    await expect(b.authenticate(await dpopRequest(token, { nonce }))).resolves.toBeDefined()
    expect((await rejection(c.authenticate(await dpopRequest(token, { nonce })))).code).toBe(
      'use_dpop_nonce',
    )
  })
})

/** A plain node:http server in front of a resource server, as an adapter would be. */
async function httpServer(rs: ResourceServer): Promise<{ origin: string; close(): Promise<void> }> {
  const http: Server = createServer((req: IncomingMessage, res) => {
    rs.authenticate({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      origin: `http://${req.headers.host}`,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
    }).then(
      (auth) => {
        for (const [name, value] of Object.entries(auth.responseHeaders ?? {})) {
          res.setHeader(name, value)
        }
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ sub: auth.subject, tokenType: auth.tokenType }))
      },
      (error: unknown) => {
        const response = errorResponse(error)
        res.writeHead(response?.status ?? 500, response?.headers ?? {})
        res.end(JSON.stringify(response?.body ?? {}))
      },
    )
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => http.close(() => resolve())),
  }
}

describe('DPoP over HTTP with oauth4webapi as the client', () => {
  let plain: { origin: string; close(): Promise<void> }
  let nonced: { origin: string; close(): Promise<void> }
  const client: oauth.Client = { client_id: 'client-abc' }

  beforeAll(async () => {
    plain = await httpServer(server())
    nonced = await httpServer(server({ dpop: { nonce: true } }))
  })
  afterAll(async () => {
    await plain.close()
    await nonced.close()
  })

  it('accepts oauth4webapi protectedResourceRequest with a DPoP handle', async () => {
    const pair = await oauth.generateKeyPair('ES256')
    const handle = oauth.DPoP(client, pair)
    const token = await issuer.sign({ cnf: { jkt: await handle.calculateThumbprint() } })
    const response = await oauth.protectedResourceRequest(
      token,
      'GET',
      new URL(`${plain.origin}/files?x=1`),
      undefined,
      undefined,
      { DPoP: handle, [oauth.allowInsecureRequests]: true },
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ sub: 'user-123', tokenType: 'DPoP' })
  })

  it('accepts RSA (PS256) and Ed25519 proofs from oauth4webapi', async () => {
    for (const alg of ['PS256', 'Ed25519']) {
      const handle = oauth.DPoP(client, await oauth.generateKeyPair(alg))
      const token = await issuer.sign({ cnf: { jkt: await handle.calculateThumbprint() } })
      const response = await oauth.protectedResourceRequest(
        token,
        'POST',
        new URL(`${plain.origin}/files`),
        undefined,
        undefined,
        { DPoP: handle, [oauth.allowInsecureRequests]: true },
      )
      expect(response.status, alg).toBe(200)
    }
  })

  it('lets oauth4webapi recognise use_dpop_nonce, pick up the nonce and succeed on retry', async () => {
    const handle = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    const token = await issuer.sign({ cnf: { jkt: await handle.calculateThumbprint() } })
    const call = () =>
      oauth.protectedResourceRequest(
        token,
        'GET',
        new URL(`${nonced.origin}/files`),
        undefined,
        undefined,
        {
          DPoP: handle,
          [oauth.allowInsecureRequests]: true,
        },
      )
    let first: unknown
    try {
      await call()
    } catch (error) {
      first = error
    }
    expect(oauth.isDPoPNonceError(first)).toBe(true)
    const response = await call()
    expect(response.status).toBe(200)
  })

  it('makes oauth4webapi see the key-binding error of a mismatched token', async () => {
    const handle = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    const token = await issuer.sign({ cnf: { jkt } })
    const error = await oauth
      .protectedResourceRequest(
        token,
        'GET',
        new URL(`${plain.origin}/files`),
        undefined,
        undefined,
        {
          DPoP: handle,
          [oauth.allowInsecureRequests]: true,
        },
      )
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError)
    const found = (error as oauth.WWWAuthenticateChallengeError).cause.find(
      (c) => c.scheme === 'dpop',
    )
    expect(found?.parameters.error).toBe('invalid_token')
    expect(found?.parameters.error_description).toBe('Invalid DPoP key binding')
  })

  it('rejects every tampered variant of a request oauth4webapi made', async () => {
    const handle = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
    const token = await issuer.sign({ cnf: { jkt: await handle.calculateThumbprint() } })
    let captured: Headers | undefined
    const response = await oauth.protectedResourceRequest(
      token,
      'GET',
      new URL(`${plain.origin}/files`),
      undefined,
      undefined,
      {
        DPoP: handle,
        [oauth.allowInsecureRequests]: true,
        // Sees the request as oauth4webapi sends it, then sends it on unchanged.
        [oauth.customFetch]: (url, init) => {
          captured = new Headers(init.headers)
          return fetch(url, init)
        },
      },
    )
    expect(response.status).toBe(200)
    const proof = captured?.get('dpop') as string
    expect(captured?.get('authorization')).toBe(`DPoP ${token}`)
    const other = await issuer.sign({ cnf: { jkt: await handle.calculateThumbprint() } })
    const variants: [string, { method?: string; path?: string; token?: string; proof?: string }][] =
      [
        ['replayed as it was', {}],
        ['sent with POST', { method: 'POST' }],
        ['sent to another path', { path: '/other' }],
        ['sent with another token bound to the same key', { token: other }],
        [
          'with its payload changed',
          { proof: proof.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`) },
        ],
        [
          'with its header changed',
          {
            proof: `${Buffer.from('{"typ":"dpop+jwt","alg":"ES384"}').toString('base64url')}.${proof.split('.').slice(1).join('.')}`,
          },
        ],
      ]
    for (const [what, variant] of variants) {
      const answer = await rawRequest(plain.origin, {
        method: variant.method ?? 'GET',
        path: variant.path ?? '/files',
        headers: [
          ['Authorization', `DPoP ${variant.token ?? token}`],
          ['DPoP', variant.proof ?? proof],
        ],
      })
      expect(answer.status, what).toBe(401)
      expect(JSON.parse(answer.body), what).toMatchObject({ error: 'invalid_dpop_proof' })
    }
  })

  it('rejects a replayed oauth4webapi request sent byte for byte again', async () => {
    const pair = await dpopClient.generateKeyPair('ES256')
    const token = await issuer.sign({
      cnf: { jkt: await dpopClient.calculateThumbprint(pair.publicKey) },
    })
    const url = `${plain.origin}/files`
    const proof = await dpopClient.generateProof(pair, url, 'GET', undefined, token)
    const headers: [string, string][] = [
      ['Authorization', `DPoP ${token}`],
      ['DPoP', proof],
    ]
    expect((await rawRequest(plain.origin, { path: '/files', headers })).status).toBe(200)
    const replay = await rawRequest(plain.origin, { path: '/files', headers })
    expect(replay.status).toBe(401)
    expect(JSON.parse(replay.body)).toMatchObject({ error: 'invalid_dpop_proof' })
    const twice = await rawRequest(plain.origin, {
      path: '/files',
      headers: [...headers, ['DPoP', proof]],
    })
    expect(JSON.parse(twice.body)).toMatchObject({ error: 'invalid_dpop_proof' })
  })
})
