import { ConfigurationError } from './errors.js'
import { headerValue, type RequestLike } from './request.js'

/**
 * Certificate-bound tokens (RFC 8705) behind a TLS-terminating proxy: where the client certificate
 * comes from when the TLS connection is not the application's own.
 */
export interface MtlsOptions {
  /** The request header the proxy puts the client certificate in (always overwriting it). */
  certificateHeader?: string
  /** The proxies' IP addresses: the header is read only from connections coming from them. */
  trustedProxies?: readonly string[]
}

/** Finds the client certificate of a request: its TLS connection's, else a trusted proxy's header. */
export type CertificateReader = (request: RequestLike) => Uint8Array | undefined

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Validates the `mtls` option (its shape is checked before).
 * @throws ConfigurationError
 */
export function validateMtlsOptions(mtls: MtlsOptions | undefined): void {
  if (mtls === undefined) return
  const { certificateHeader, trustedProxies } = mtls
  if (
    certificateHeader !== undefined &&
    (typeof certificateHeader !== 'string' || !HEADER_NAME.test(certificateHeader))
  ) {
    throw new ConfigurationError(
      `mtls.certificateHeader must be a header name, got ${JSON.stringify(certificateHeader)}`,
    )
  }
  if (trustedProxies === undefined) return
  if (certificateHeader === undefined) {
    throw new ConfigurationError('mtls.trustedProxies needs mtls.certificateHeader')
  }
  if (
    !Array.isArray(trustedProxies) ||
    trustedProxies.length === 0 ||
    trustedProxies.some((address) => typeof address !== 'string' || address.trim() === '')
  ) {
    throw new ConfigurationError(
      'mtls.trustedProxies must be a non-empty array of IP addresses (e.g. ["10.0.0.5"])',
    )
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase()
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower
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
 * The client certificate reader of validated `mtls` options: the request's own certificate
 * (`RequestLike.clientCertificate`), else the configured header when the peer is a trusted proxy
 * (any peer without `trustedProxies`).
 */
export function createCertificateReader(mtls: MtlsOptions | undefined): CertificateReader {
  const header = mtls?.certificateHeader
  if (header === undefined) return (request) => request.clientCertificate
  const proxies =
    mtls?.trustedProxies === undefined
      ? undefined
      : new Set(mtls.trustedProxies.map(normalizeAddress))
  return (request) => {
    if (request.clientCertificate !== undefined) return request.clientCertificate
    if (proxies !== undefined) {
      const peer = request.remoteAddress
      if (peer === undefined || !proxies.has(normalizeAddress(peer))) return undefined
    }
    return certificateFromHeader(request, header)
  }
}
