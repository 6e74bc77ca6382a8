/** The slice of a Node.js `TLSSocket` read here (typed structurally: the core imports no `node:`). */
interface PeerCertificateSocket {
  encrypted?: boolean
  getPeerCertificate?: () => { raw?: Uint8Array } | null
}

/**
 * The DER bytes of the TLS client certificate on a connection (an HTTPS server with
 * `requestCert: true`), for certificate-bound tokens (RFC 8705), or undefined over plain HTTP or
 * when the client sent none. Adapters pass their request's socket and put the result in
 * `RequestLike.clientCertificate`.
 */
export function peerCertificate(socket: unknown): Uint8Array | undefined {
  const tls = socket as PeerCertificateSocket | null | undefined
  if (tls?.encrypted !== true || typeof tls.getPeerCertificate !== 'function') return undefined
  const raw = tls.getPeerCertificate()?.raw
  return raw !== undefined && raw.length > 0 ? raw : undefined
}
