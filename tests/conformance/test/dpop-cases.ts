import { webcrypto } from 'node:crypto'
import * as dpop from 'dpop'
import { RESOURCE, type ConformanceCase, type Expectation, type RequestSpec } from './cases.js'

/**
 * DPoP rows of the matrix (RFC 9449). Proofs come from the `dpop` package (a client nobody here
 * wrote), for the examples' public origin: they run with `PUBLIC_ORIGIN` = {@link RESOURCE}, as
 * behind a load balancer, so one request is valid at every example. Hand-made variants cover what
 * no honest client produces.
 */

/** The proof algorithms every example advertises in `algs` (the core's default). */
export const DPOP_ALGS = 'ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519'

const FILES = `${RESOURCE}/files`
let key: dpop.KeyPair | undefined
let jkt = ''
/** The last accepted request, replayed by the next case. */
let accepted: RequestSpec | undefined

async function clientKey(): Promise<dpop.KeyPair> {
  if (key === undefined) {
    key = await dpop.generateKeyPair('ES256')
    jkt = await dpop.calculateThumbprint(key.publicKey)
  }
  return key
}

function request(
  token: string,
  proofs: string[],
  options: { scheme?: string; method?: string; path?: string } = {},
): RequestSpec {
  return {
    method: options.method ?? 'GET',
    path: options.path ?? '/files?page=1',
    headers: [
      ['Authorization', `${options.scheme ?? 'DPoP'} ${token}`],
      ...proofs.map((proof): [string, string] => ['DPoP', proof]),
    ],
  }
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Buffer.from(digest).toString('base64url')
}

/** A proof signed by hand (ES256 unless `hmac`), for headers no client library emits. */
async function handMade(
  token: string,
  header: Record<string, unknown>,
  options: {
    signer?: webcrypto.CryptoKey
    hmac?: Uint8Array
    payload?: Record<string, unknown>
  } = {},
): Promise<string> {
  const pair = await clientKey()
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  const input = `${b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, ...header })}.${b64(
    {
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: FILES,
      iat: Math.floor(Date.now() / 1000),
      ath: await sha256(token),
      ...options.payload,
    },
  )}`
  const data = new TextEncoder().encode(input)
  const signature =
    options.hmac === undefined
      ? await crypto.subtle.sign(
          { name: 'ECDSA', hash: 'SHA-256' },
          options.signer ?? pair.privateKey,
          data,
        )
      : await crypto.subtle.sign(
          'HMAC',
          await crypto.subtle.importKey(
            'raw',
            options.hmac as Uint8Array<ArrayBuffer>,
            { name: 'HMAC', hash: 'SHA-256' },
            false,
            ['sign'],
          ),
          data,
        )
  return `${input}.${Buffer.from(signature).toString('base64url')}`
}

const proofError: Expectation = {
  status: 401,
  challenge: { realm: 'api' },
  dpopChallenge: { realm: 'api', error: 'invalid_dpop_proof', algs: DPOP_ALGS },
  error: 'invalid_dpop_proof',
}
const dpopInvalidToken = (description?: string): Expectation => ({
  status: 401,
  challenge: { realm: 'api' },
  dpopChallenge: {
    realm: 'api',
    error: 'invalid_token',
    ...(description === undefined ? {} : { error_description: description }),
  },
  error: 'invalid_token',
})

const bound = { scope: 'files:read files:write' }

/** Every DPoP row; each runs in both modes (JWTs with `cnf.jkt`, introspected `cnf` + `token_type`). */
export const DPOP_CASES: readonly ConformanceCase[] = [
  {
    name: 'DPoP: a bound token with a proof from the dpop package is accepted',
    request: async ({ mint }) => {
      const pair = await clientKey()
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      accepted = request(token, [await dpop.generateProof(pair, FILES, 'GET', undefined, token)])
      return accepted
    },
    expect: { status: 200 },
  },
  {
    name: 'DPoP: the same proof again is a replay (401 invalid_dpop_proof)',
    request: async () => accepted as RequestSpec,
    expect: proofError,
  },
  {
    name: 'DPoP: the scheme is case-insensitive (dpop)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const proof = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      return request(token, [proof], { scheme: 'dpop' })
    },
    expect: { status: 200 },
  },
  {
    name: 'DPoP: htu is compared after normalisation (case, default port, query)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const htu = 'HTTPS://API.conformance.test:443/files?other=1'
      return request(token, [
        await dpop.generateProof(await clientKey(), htu, 'GET', undefined, token),
      ])
    },
    expect: { status: 200 },
  },
  {
    name: 'DPoP: POST with a POST proof and files:write creates a file',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const proof = await dpop.generateProof(await clientKey(), FILES, 'POST', undefined, token)
      const spec = request(token, [proof], { method: 'POST', path: '/files' })
      spec.headers?.push(['Content-Type', 'application/json'])
      return { ...spec, body: JSON.stringify({ name: 'dpop.txt' }) }
    },
    expect: { status: 201, body: { name: 'dpop.txt' } },
  },
  {
    name: 'DPoP: a proof for POST sent with GET (htm)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [
        await dpop.generateProof(await clientKey(), FILES, 'POST', undefined, token),
      ])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a proof for another path (htu)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const htu = `${RESOURCE}/me`
      return request(token, [
        await dpop.generateProof(await clientKey(), htu, 'GET', undefined, token),
      ])
    },
    expect: proofError,
  },
  {
    name: "DPoP: a proof for the examples' own address instead of the public origin (htu)",
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const htu = 'http://127.0.0.1/files'
      return request(token, [
        await dpop.generateProof(await clientKey(), htu, 'GET', undefined, token),
      ])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a proof for another access token (ath)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const other = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [
        await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, other),
      ])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a proof made six minutes ago (iat)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const iat = Math.floor(Date.now() / 1000) - 360
      return request(token, [await handMade(token, {}, { payload: { iat } })])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: no DPoP header',
    request: async ({ mint }) =>
      request(await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' }), []),
    expect: proofError,
  },
  {
    name: 'DPoP: two DPoP headers',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const proof = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      const second = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      return request(token, [proof, second])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a proof that is not a JWT',
    request: async ({ mint }) =>
      request(await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' }), ['not-a-proof']),
    expect: proofError,
  },
  {
    name: 'DPoP: a hand-made proof with the same shape is accepted (control for the next rows)',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [await handMade(token, {})])
    },
    expect: { status: 200 },
  },
  {
    name: 'DPoP: typ JWT instead of dpop+jwt',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [await handMade(token, { typ: 'JWT' })])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: an HS256 proof keyed with the public key',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const secret = new TextEncoder().encode(`${jkt}${jkt}`)
      return request(token, [await handMade(token, { alg: 'HS256' }, { hmac: secret })])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a jwk header with the private key',
    request: async ({ mint }) => {
      const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair
      const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey)
      const thumbprint = await dpop.calculateThumbprint(pair.publicKey)
      const token = await mint({ ...bound, cnf: { jkt: thumbprint }, token_type: 'DPoP' })
      return request(token, [await handMade(token, { jwk }, { signer: pair.privateKey })])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: one byte of the proof signature changed',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const proof = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      const [head, payload, signature = ''] = proof.split('.')
      const bytes = Buffer.from(signature, 'base64url')
      bytes[10] = (bytes[10] ?? 0) ^ 1
      return request(token, [`${head}.${payload}.${bytes.toString('base64url')}`])
    },
    expect: proofError,
  },
  {
    name: 'DPoP: a valid proof by another key than the token is bound to (cnf.jkt)',
    request: async ({ mint }) => {
      const other = await dpop.generateKeyPair('ES256')
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [await dpop.generateProof(other, FILES, 'GET', undefined, token)])
    },
    expect: dpopInvalidToken('Invalid DPoP key binding'),
  },
  {
    name: 'DPoP: an unbound token with the DPoP scheme',
    request: async ({ mint }) => {
      const token = await mint(bound)
      return request(token, [
        await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token),
      ])
    },
    expect: dpopInvalidToken(),
  },
  {
    name: 'DPoP: a bound token without files:read gets 403 on the DPoP challenge',
    request: async ({ mint }) => {
      const token = await mint({ scope: 'account:read', cnf: { jkt }, token_type: 'DPoP' })
      return request(token, [
        await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token),
      ])
    },
    expect: {
      status: 403,
      challenge: { realm: 'api' },
      dpopChallenge: { error: 'insufficient_scope', scope: 'files:read', algs: DPOP_ALGS },
      error: 'insufficient_scope',
    },
  },
  {
    name: 'DPoP: a bound token sent as Bearer (downgrade) is refused on the Bearer challenge',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      return { path: '/files', headers: [['Authorization', `Bearer ${token}`]] }
    },
    expect: {
      status: 401,
      challenge: { realm: 'api', error: 'invalid_token' },
      error: 'invalid_token',
    },
  },
  {
    name: 'DPoP: behind publicOrigin the Host does not matter, even one that cannot form an origin',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const spec = request(token, [
        await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token),
      ])
      return { ...spec, headers: [['Host', 'a@b'], ...(spec.headers ?? [])] }
    },
    expect: { status: 200 },
  },
  {
    name: 'DPoP: an absolute-form target with a bad port is 400, not 500, even behind publicOrigin',
    request: async ({ mint }) => {
      const token = await mint({ ...bound, cnf: { jkt }, token_type: 'DPoP' })
      const proof = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      // On /me, a route that names no scope: Fastify's router refuses such a target before any
      // route is known, so it cannot name a route's scopes in the challenge (its guard still answers).
      return request(token, [proof], { path: 'http://127.0.0.1:999999/me' })
    },
    expect: {
      status: 400,
      challenge: { realm: 'api' },
      dpopChallenge: { realm: 'api', error: 'invalid_request' },
      error: 'invalid_request',
    },
  },
  {
    name: 'DPoP: an unbound Bearer token with a DPoP header is ambiguous (400)',
    request: async ({ mint }) => {
      const token = await mint(bound)
      const proof = await dpop.generateProof(await clientKey(), FILES, 'GET', undefined, token)
      return request(token, [proof], { scheme: 'Bearer' })
    },
    expect: {
      status: 400,
      challenge: { realm: 'api', error: 'invalid_request' },
      error: 'invalid_request',
    },
  },
]
