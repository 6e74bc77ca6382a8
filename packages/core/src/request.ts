/** A header value as Node.js or a framework exposes it. */
export type HeaderValue = string | readonly string[] | undefined

/**
 * Request headers: a Fetch `Headers` object, or a record with lower-case names (Node's
 * `IncomingHttpHeaders`, Koa's `ctx.headers`).
 */
export type HeadersLike =
  { get(name: string): string | null } | Readonly<Record<string, HeaderValue>>

/**
 * The framework-neutral request the core reads. Adapters build it from their framework's request
 * without copying the body or all headers.
 */
export interface RequestLike {
  /** HTTP method, e.g. `GET`. */
  method: string
  /** The request target: a path with query (`/files?x=1`) or an absolute URL. */
  url: string
  /**
   * The scheme the request arrived with as the framework sees it (`http` or `https`), honouring
   * the framework's own proxy settings (Express `req.protocol`, Koa `ctx.protocol`). Read, with
   * the Host, only to check a DPoP proof's `htu` when `publicOrigin` is not set.
   */
  protocol?: string | undefined
  /**
   * The Host value as received, uninterpreted (the core parses it strictly, RFC 9110 §7.2).
   * @default the `host` header, else the HTTP/2 `:authority` pseudo-header
   */
  host?: string | undefined
  /**
   * @deprecated Pass `protocol` (and `host`, if not the Host header) instead; the core builds the
   * origin and refuses a malformed one with 400. When given, it is parsed the same way.
   */
  origin?: string | undefined
  /** Request headers. */
  headers: HeadersLike
  /**
   * Node's raw header list (`[name, value, name, value, …]`). When given, it is used to detect a
   * repeated `Authorization` header, which Node's `headers` object silently collapses.
   */
  rawHeaders?: readonly string[] | undefined
  /** The parsed request body, when a body parser ran (an object for URL-encoded forms). */
  body?: unknown
  /**
   * The DER bytes of the TLS client certificate (mutual TLS), for certificate-bound tokens
   * (RFC 8705). Adapters fill it from the TLS socket.
   */
  clientCertificate?: Uint8Array | undefined
  /**
   * The IP address of the peer that opened the connection (the proxy, behind one), for
   * `mtls.trustedProxies`. Adapters fill it from the socket.
   */
  remoteAddress?: string | undefined
}

/** All values of a header, in order. Names are matched case-insensitively. */
export function headerValues(request: RequestLike, name: string): string[] {
  const lower = name.toLowerCase()
  const raw = request.rawHeaders
  if (raw !== undefined) {
    const values: string[] = []
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = raw[i] as string
      if (key.length === lower.length && key.toLowerCase() === lower)
        values.push(raw[i + 1] as string)
    }
    return values
  }
  const headers = request.headers
  if (typeof headers.get === 'function') {
    const value = (headers as { get(name: string): string | null }).get(lower)
    return value === null ? [] : [value]
  }
  const value = (headers as Readonly<Record<string, HeaderValue>>)[lower]
  if (value === undefined) return []
  return typeof value === 'string' ? [value] : [...value]
}

/** The first value of a header, or undefined. */
export function headerValue(request: RequestLike, name: string): string | undefined {
  const headers = request.headers
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined
  }
  const value = (headers as Readonly<Record<string, HeaderValue>>)[name.toLowerCase()]
  return typeof value === 'string' ? value : value?.[0]
}
