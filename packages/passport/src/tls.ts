import type { IncomingMessage } from 'node:http'

/** The slice of Node's `TLSSocket` read here. */
interface PeerCertificateSocket {
  encrypted?: boolean
  getPeerCertificate?: () => { raw?: Uint8Array } | null
}

/**
 * The DER bytes of the TLS client certificate on the request's connection (an HTTPS server with
 * `requestCert: true`), for certificate-bound tokens (RFC 8705); undefined over plain HTTP or
 * when the client sent none.
 */
export function clientCertificateOf(req: IncomingMessage): Uint8Array | undefined {
  const socket = req.socket as unknown as PeerCertificateSocket | undefined
  if (socket?.encrypted !== true || typeof socket.getPeerCertificate !== 'function')
    return undefined
  const raw = socket.getPeerCertificate()?.raw
  return raw !== undefined && raw.length > 0 ? raw : undefined
}
