import { connect } from 'node:net'
import { connect as connectTls } from 'node:tls'

/** A response read by {@link rawRequest}. */
export interface RawResponse {
  status: number
  /** Header names lower-cased; repeated headers keep every value. */
  headers: Record<string, string[]>
  body: string
}

/** What {@link rawRequest} sends. */
export interface RawRequestOptions {
  method?: string
  path?: string
  /** Header lines in order, sent byte for byte: repeats, odd spacing and any value are allowed. */
  headers?: readonly (readonly [string, string])[]
  body?: string
  /** The HTTP version of the request line (HTTP/1.0 allows a request without Host). @default '1.1' */
  httpVersion?: '1.0' | '1.1'
  /** Send no `Host` header at all (unless `headers` has one). @default false */
  omitHost?: boolean
  /** Give up after this many milliseconds. @default 5000 */
  timeoutMs?: number
  /**
   * For an `https:` origin: the client certificate and key to present (mutual TLS). The server's
   * certificate is not verified (test servers use self-signed ones).
   */
  clientCertificate?: { certificate: string; privateKey: string }
}

/**
 * Sends one HTTP/1.1 request over a plain socket, exactly as written, for what `fetch` refuses to
 * send: duplicate `Authorization` headers, tabs or control characters in values, oversized
 * headers, any Host (or none, with HTTP/1.0), any request target. An `https:` origin is reached over TLS, optionally with a client certificate. Adds `Host` and `Connection: close` unless given.
 */
export function rawRequest(origin: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const url = new URL(origin)
  const headers = [...(options.headers ?? [])]
  const has = (name: string): boolean => headers.some(([n]) => n.toLowerCase() === name)
  if (!has('host') && options.omitHost !== true) headers.unshift(['Host', url.host])
  if (!has('connection')) headers.push(['Connection', 'close'])
  if (options.body !== undefined && !has('content-length')) {
    headers.push(['Content-Length', String(Buffer.byteLength(options.body))])
  }
  const version = options.httpVersion ?? '1.1'
  const head = `${options.method ?? 'GET'} ${options.path ?? '/'} HTTP/${version}\r\n${headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:'
        ? connectTls({
            host: url.hostname,
            port: Number(url.port || 443),
            rejectUnauthorized: false,
            ...(options.clientCertificate
              ? {
                  cert: options.clientCertificate.certificate,
                  key: options.clientCertificate.privateKey,
                }
              : {}),
          })
        : connect(Number(url.port), url.hostname)
    const chunks: Buffer[] = []
    socket.setTimeout(options.timeoutMs ?? 5000, () => {
      socket.destroy(new Error(`no complete response from ${origin} in time`))
    })
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks).toString('latin1')))
      } catch (error) {
        reject(error)
      }
    })
    socket.write(head + (options.body ?? ''))
  })
}

function parseResponse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n')
  if (split === -1) throw new Error('incomplete HTTP response')
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1])
  if (!Number.isInteger(status)) throw new Error(`bad status line: ${statusLine}`)
  const headers: Record<string, string[]> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    ;(headers[name] ??= []).push(line.slice(colon + 1).trim())
  }
  let body = text.slice(split + 4)
  if (headers['transfer-encoding']?.[0]?.toLowerCase() === 'chunked') body = unchunk(body)
  return { status, headers, body: Buffer.from(body, 'latin1').toString('utf8') }
}

function unchunk(body: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const lineEnd = body.indexOf('\r\n', i)
    if (lineEnd === -1) return out
    const size = parseInt(body.slice(i, lineEnd), 16)
    if (!size) return out
    out += body.slice(lineEnd + 2, lineEnd + 2 + size)
    i = lineEnd + 2 + size + 2
  }
}
