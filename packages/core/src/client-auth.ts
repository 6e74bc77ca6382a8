import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose'

/** How the resource server authenticates to the authorization server (RFC 7662 §2.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** The resource server's own client credentials at the authorization server. */
export interface ClientCredentials {
  clientId: string
  /** For `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /** @default 'client_secret_basic' (or 'private_key_jwt' when only `privateKey` is given) */
  method?: ClientAuthMethod
  /** For `private_key_jwt`: a private JWK (with `alg`, or give `privateKeyAlg`) or a CryptoKey. */
  privateKey?: JWK | CryptoKey
  /** Signing algorithm of the assertion. @default the JWK's `alg`, else 'RS256' */
  privateKeyAlg?: string
  /** `kid` header of the assertion. @default the JWK's `kid` */
  privateKeyId?: string
  /** `aud` of the assertion. @default the issuer identifier (draft-ietf-oauth-rfc7523bis) */
  assertionAudience?: string
}

/**
 * `application/x-www-form-urlencoded` encoding of one credential as RFC 6749 Appendix B requires
 * before Basic: letters and digits stay, space becomes `+`, every other byte is `%HH`.
 */
export function formEncodeCredential(value: string): string {
  let out = ''
  for (const byte of new TextEncoder().encode(value)) {
    const char = String.fromCharCode(byte)
    if (/[A-Za-z0-9]/.test(char)) out += char
    else if (char === ' ') out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The `Authorization: Basic` value for `client_secret_basic` (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  const pair = `${formEncodeCredential(clientId)}:${formEncodeCredential(clientSecret)}`
  let binary = ''
  for (const byte of new TextEncoder().encode(pair)) binary += String.fromCharCode(byte)
  return `Basic ${btoa(binary)}`
}

/** Adds a client's authentication to an outgoing form request. */
export type ClientAuthenticator = (
  headers: Record<string, string>,
  form: URLSearchParams,
) => Promise<void>

/** Builds the authenticator for a client's configured method; called once at construction. */
export function createClientAuthenticator(
  credentials: ClientCredentials,
  issuer: string,
): ClientAuthenticator {
  const method =
    credentials.method ??
    (credentials.privateKey !== undefined && credentials.clientSecret === undefined
      ? 'private_key_jwt'
      : 'client_secret_basic')
  const { clientId } = credentials
  if (method === 'client_secret_basic') {
    const header = basicAuthorization(clientId, credentials.clientSecret ?? '')
    return async (headers) => {
      headers['authorization'] = header
    }
  }
  if (method === 'client_secret_post') {
    const secret = credentials.clientSecret ?? ''
    return async (_headers, form) => {
      form.set('client_id', clientId)
      form.set('client_secret', secret)
    }
  }
  const jwk = credentials.privateKey as JWK | CryptoKey
  const alg =
    credentials.privateKeyAlg ?? ('kty' in jwk && typeof jwk.alg === 'string' ? jwk.alg : 'RS256')
  const kid = credentials.privateKeyId ?? ('kty' in jwk ? jwk.kid : undefined)
  const key: Promise<CryptoKey | Uint8Array> =
    'kty' in jwk ? importJWK(jwk, alg) : Promise.resolve(jwk as CryptoKey)
  key.catch(() => {})
  const audience = credentials.assertionAudience ?? issuer
  return async (_headers, form) => {
    const now = Math.floor(Date.now() / 1000)
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, ...(kid === undefined ? {} : { kid }) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .setJti(crypto.randomUUID())
      .sign(await key)
    form.set('client_id', clientId)
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    form.set('client_assertion', assertion)
  }
}
