import type { RequestLike } from '@scopeguard/core'

/** What a Fetch `Request` does not carry, for adapters that know it (e.g. Node's socket). */
export interface RequestExtras {
  /**
   * Node's raw header list (`@hono/node-server` has it on `c.env.incoming.rawHeaders`): with it a
   * repeated `Authorization` header is told from one header, which `Headers` joins with `, `.
   */
  rawHeaders?: readonly string[] | undefined
  /** The DER bytes of the TLS client certificate, for certificate-bound tokens (RFC 8705). */
  clientCertificate?: Uint8Array | undefined
  /** The peer's IP address, for `mtls.trustedProxies`. */
  remoteAddress?: string | undefined
}

const FORM = 'application/x-www-form-urlencoded'

/** Largest form body read for an `access_token` (as Express's and Koa's parsers default). */
export const MAX_FORM_BYTES = 100 * 1024

/** One credential: an auth-scheme, then optionally whitespace and a token (no `=` after the scheme). */
const CREDENTIAL = /^[ \t]*[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:[ \t]+[^\s,]+)?[ \t]*$/

/**
 * Fetch's `Headers` joins repeated fields with `, `; no Bearer or DPoP token contains a comma, so
 * an `Authorization` value that splits into several whole credentials (`Bearer a, Bearer b`) was
 * several headers. Returns them one by one, or undefined for a single header.
 */
function splitCredentials(value: string): string[] | undefined {
  if (!value.includes(',')) return undefined
  const parts = value.split(',')
  return parts.every((part) => CREDENTIAL.test(part)) ? parts.map((part) => part.trim()) : undefined
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
function mediaType(value: string | null): string | undefined {
  if (value === null) return undefined
  const semi = value.indexOf(';')
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase()
}

/** Reads at most `limit` bytes of a body stream; undefined if it is longer. */
async function readCapped(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      return undefined
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/**
 * A URL-encoded form body parsed like Express's `urlencoded({ extended: false })`: a repeated
 * field becomes an array. Read from a clone, so the handler can still read the request's body.
 * Undefined when there is no form body, it is over {@link MAX_FORM_BYTES}, or already read.
 */
async function formBody(request: Request): Promise<Record<string, string | string[]> | undefined> {
  if (request.body === null || request.bodyUsed) return undefined
  if (mediaType(request.headers.get('content-type')) !== FORM) return undefined
  const declared = Number(request.headers.get('content-length') ?? 0)
  if (declared > MAX_FORM_BYTES) return undefined
  const stream = request.clone().body
  if (stream === null) return undefined
  let bytes: Uint8Array | undefined
  try {
    bytes = await readCapped(stream, MAX_FORM_BYTES)
  } catch {
    return undefined // the client went away; the handler will see that too
  }
  if (bytes === undefined) return undefined
  const form: Record<string, string | string[]> = Object.create(null) as Record<
    string,
    string | string[]
  >
  for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) {
    const seen = form[name]
    form[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return form
}

/**
 * The core's view of a Fetch `Request`: method, the absolute `request.url` (its origin is the
 * one a DPoP proof's `htu` must name, unless `publicOrigin` is set), the headers, and a
 * URL-encoded form body (read from a clone) so that a form `access_token` is seen.
 */
export async function toRequestLike(
  request: Request,
  extras: RequestExtras = {},
): Promise<RequestLike> {
  let rawHeaders = extras.rawHeaders
  if (rawHeaders === undefined) {
    const split = splitCredentials(request.headers.get('authorization') ?? '')
    if (split !== undefined) {
      const raw: string[] = []
      for (const [name, value] of request.headers) {
        if (name === 'authorization') for (const part of split) raw.push(name, part)
        else raw.push(name, value)
      }
      rawHeaders = raw
    }
  }
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    rawHeaders,
    body: await formBody(request),
    clientCertificate: extras.clientCertificate,
    remoteAddress: extras.remoteAddress,
  }
}
