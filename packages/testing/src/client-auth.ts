import { timingSafeEqual } from 'node:crypto'
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose'

/** A client of a test issuer: a resource server calling introspection, or a client getting tokens. */
export interface TestClient {
  /** The client identifier. */
  clientId: string
  /** The secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /** The client's public keys, for `private_key_jwt`. */
  jwks?: { keys: Record<string, unknown>[] }
}

/** The `client_assertion_type` of `private_key_jwt` (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** Algorithms accepted for client assertions: asymmetric only. */
const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA']

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

/**
 * Checks a client and returns a copy of it.
 *
 * @throws TypeError naming `where` when the client is malformed or has no credentials.
 */
export function copyClient(client: TestClient, where: string): TestClient {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError(`${where} must be an object with a clientId`)
  }
  const { clientId, clientSecret, jwks } = client
  if (typeof clientId !== 'string' || clientId === '') {
    throw new TypeError(`${where}.clientId must be a non-empty string`)
  }
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw new TypeError(`${where}.clientSecret must be a non-empty string`)
  }
  if (jwks !== undefined) {
    if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
      throw new TypeError(`${where}.jwks must be a JWK Set: { keys: [...] }`)
    }
    for (const key of jwks.keys) {
      if (typeof key !== 'object' || key === null || typeof key.kty !== 'string') {
        throw new TypeError(`${where}.jwks.keys must hold JWKs with a kty`)
      }
      if (PRIVATE_MEMBERS.some((member) => member in key)) {
        throw new TypeError(`${where}.jwks must hold public keys only`)
      }
    }
  }
  if (clientSecret === undefined && jwks === undefined) {
    throw new TypeError(`${where} needs a clientSecret or a jwks to authenticate with`)
  }
  return {
    clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(jwks === undefined ? {} : { jwks: { keys: jwks.keys.map((key) => ({ ...key })) } }),
  }
}

/** Where a client assertion is checked: the issuer identifier and the endpoint URL. */
export interface ClientAuthContext {
  readonly issuer: string
  readonly endpoint: string
  readonly client: (clientId: string) => TestClient | undefined
}

/** The outcome of authenticating a caller. */
export type ClientAuthResult =
  | { readonly ok: true; readonly clientId: string }
  | { readonly ok: false; readonly reason: string; readonly basic: boolean }

/**
 * Decodes one half of a Basic credential (RFC 6749 Appendix B): `+` is a space, `%HH` a byte,
 * and the bytes are UTF-8. Returns undefined for a malformed escape or invalid UTF-8.
 */
export function formDecode(bytes: Uint8Array): string | undefined {
  const out: number[] = []
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] as number
    if (byte === 0x2b) out.push(0x20)
    else if (byte === 0x25) {
      const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0)
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined
      out.push(parseInt(hex, 16))
      i += 2
    } else out.push(byte)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(out))
  } catch {
    return undefined
  }
}

/**
 * Reads `Authorization: Basic` credentials: base64-decodes, splits at the first `:`, then
 * form-decodes each half. Returns undefined when the header is not a well-formed Basic value.
 */
export function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header)
  if (!match?.[1]) return undefined
  const decoded = Buffer.from(match[1], 'base64')
  const colon = decoded.indexOf(0x3a)
  if (colon === -1) return undefined
  const id = formDecode(decoded.subarray(0, colon))
  const secret = formDecode(decoded.subarray(colon + 1))
  return id === undefined || secret === undefined ? undefined : { id, secret }
}

function sameSecret(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function verifyAssertion(
  form: Readonly<Record<string, string>>,
  context: ClientAuthContext,
): Promise<string | undefined> {
  const assertion = form.client_assertion
  if (form.client_assertion_type !== JWT_BEARER_ASSERTION || !assertion) return undefined
  let issuer: unknown
  try {
    issuer = decodeJwt(assertion).iss
  } catch {
    return undefined
  }
  const clientId = form.client_id ?? issuer
  if (typeof clientId !== 'string') return undefined
  const jwks = context.client(clientId)?.jwks
  if (!jwks) return undefined
  try {
    await jwtVerify(assertion, createLocalJWKSet(jwks as JSONWebKeySet), {
      issuer: clientId,
      subject: clientId,
      audience: [context.issuer, context.endpoint],
      requiredClaims: ['exp'],
      algorithms: ASSERTION_ALGORITHMS,
    })
    return clientId
  } catch {
    return undefined
  }
}

/**
 * Authenticates the caller of the introspection endpoint by exactly one of
 * `client_secret_basic`, `client_secret_post` or `private_key_jwt` (RFC 6749 §2.3, RFC 7523
 * §2.2). Any `Authorization` header counts as an attempt, so Basic plus form credentials, or a
 * Bearer header, fail. A `client_id` in the form must name the authenticated client.
 */
export async function authenticateClient(
  authorization: string | undefined,
  form: Readonly<Record<string, string>>,
  context: ClientAuthContext,
): Promise<ClientAuthResult> {
  const basic = authorization !== undefined
  const attempts = [
    basic,
    'client_secret' in form,
    'client_assertion' in form || 'client_assertion_type' in form,
  ].filter(Boolean).length
  const fail = (reason: string): ClientAuthResult => ({ ok: false, reason, basic })
  if (attempts === 0) return fail('no client authentication')
  if (attempts > 1) return fail('more than one client authentication method')

  if (authorization !== undefined) {
    const credentials = parseBasic(authorization)
    if (!credentials) return fail('malformed Basic credentials')
    if (form.client_id !== undefined && form.client_id !== credentials.id) {
      return fail('client_id differs from the Basic user name')
    }
    return sameSecret(context.client(credentials.id)?.clientSecret, credentials.secret)
      ? { ok: true, clientId: credentials.id }
      : fail('bad client_secret_basic credentials')
  }
  if (form.client_secret !== undefined) {
    const clientId = form.client_id
    if (clientId === undefined) return fail('client_secret_post without client_id')
    return sameSecret(context.client(clientId)?.clientSecret, form.client_secret)
      ? { ok: true, clientId }
      : fail('bad client_secret_post credentials')
  }
  const clientId = await verifyAssertion(form, context)
  return clientId === undefined ? fail('bad private_key_jwt assertion') : { ok: true, clientId }
}
