import { InvalidTokenError } from './errors.js'
import { headerValue, type RequestLike } from './request.js'
import { base64url } from './token-hash.js'

/** How a request proves possession of the key its token is bound to. */
export interface PresentedBinding {
  /** The authorization scheme the token came with. */
  scheme: 'Bearer' | 'DPoP'
  /** The DER bytes of the TLS client certificate, when the connection has one. */
  clientCertificate: Uint8Array | undefined
}

const KNOWN_CONFIRMATIONS = new Set(['jkt', 'x5t#S256'])

function invalid(
  description: string,
  reason: 'bearer_downgrade' | 'certificate_binding' | 'invalid_claim',
): InvalidTokenError {
  return new InvalidTokenError(description, { reason })
}

/**
 * Reads the client certificate from a trusted proxy header: PEM (optionally URL-encoded, as
 * nginx's `$ssl_client_escaped_cert`) or base64 DER. Only call this for a header you configured.
 */
export function certificateFromHeader(
  request: RequestLike,
  header: string,
): Uint8Array | undefined {
  const raw = headerValue(request, header)
  if (raw === undefined || raw === '') return undefined
  let text = raw
  try {
    if (text.includes('%')) text = decodeURIComponent(text)
  } catch {
    return undefined
  }
  const body = text
    .replace(/-----BEGIN CERTIFICATE-----/, '')
    .replace(/-----END CERTIFICATE-----/, '')
    .replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) return undefined
  try {
    return Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

/**
 * Enforces the token's `cnf` binding (RFC 9068 §4 step 11): a DPoP-bound token (`cnf.jkt` or an
 * introspected `token_type: DPoP`) must not be used with the Bearer scheme (RFC 9449 §7.2); a
 * certificate-bound token (`cnf["x5t#S256"]`) needs the TLS client certificate whose SHA-256
 * thumbprint it names (RFC 8705 §3); an unknown confirmation method fails closed. The DPoP proof
 * itself is checked by the DPoP verifier.
 */
export async function checkBinding(
  claims: Readonly<Record<string, unknown>>,
  presented: PresentedBinding,
): Promise<void> {
  const cnf = claims['cnf']
  const dpopType =
    typeof claims['token_type'] === 'string' && claims['token_type'].toLowerCase() === 'dpop'
  if (cnf === undefined && !dpopType) return
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
    throw invalid('The cnf claim of the access token is malformed', 'invalid_claim')
  }
  const confirmation = (cnf ?? {}) as Record<string, unknown>
  for (const method of Object.keys(confirmation)) {
    if (!KNOWN_CONFIRMATIONS.has(method)) {
      throw invalid(
        'The access token is bound by a method this server does not support',
        'invalid_claim',
      )
    }
  }
  if ((confirmation['jkt'] !== undefined || dpopType) && presented.scheme !== 'DPoP') {
    throw invalid(
      'The access token is bound to a DPoP key; send it with the DPoP scheme and a proof',
      'bearer_downgrade',
    )
  }
  const thumbprint = confirmation['x5t#S256']
  if (thumbprint !== undefined) {
    const certificate = presented.clientCertificate
    if (certificate === undefined) {
      throw invalid(
        'The access token is bound to a client certificate, and none was presented',
        'certificate_binding',
      )
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', certificate))
    if (typeof thumbprint !== 'string' || base64url(digest) !== thumbprint) {
      throw invalid(
        'The access token is bound to another client certificate',
        'certificate_binding',
      )
    }
  }
}
