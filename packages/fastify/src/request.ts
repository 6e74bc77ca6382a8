import { peerCertificate, type RequestLike } from '@scopeguard/core'
import type { FastifyRequest } from 'fastify'

/**
 * The core's request shape from a Fastify request: the URL the client sent (before any
 * `rewriteUrl`), Node's raw header list (to see a repeated `Authorization` header), the parsed
 * body (after the `preValidation` stage; `undefined` in `onRequest`), and the TLS client
 * certificate and peer address of the connection.
 */
export function toRequestLike(request: FastifyRequest): RequestLike {
  const raw = request.raw
  return {
    method: request.method,
    url: request.originalUrl ?? request.url,
    // For DPoP's htu, with the Host header (read and checked by the core, only when a proof is):
    // request.protocol honours Fastify's trustProxy. Set publicOrigin behind a proxy.
    protocol: request.protocol,
    headers: request.headers,
    rawHeaders: raw.rawHeaders,
    body: request.body ?? undefined,
    clientCertificate: peerCertificate(raw.socket),
    remoteAddress: raw.socket?.remoteAddress,
  }
}
