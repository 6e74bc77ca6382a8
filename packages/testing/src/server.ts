import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'

/** Endpoints on which a fault can be injected. */
export type FaultEndpoint = 'jwks' | 'metadata' | 'introspection' | 'token'

/** Endpoints whose requests are counted; `all` includes unknown paths. */
export type CountedEndpoint = FaultEndpoint | 'all'

/**
 * A fault injected on an endpoint. The server waits `delayMs`, then destroys the socket if
 * `destroySocket` is set, else answers with `status`/`body`/`contentType` if any is set, else
 * serves the normal response (so `{ delayMs }` alone is a slow but correct endpoint).
 */
export interface Fault {
  /** @default 200 when `body` is set, else 500 */
  status?: number
  /** @default '' */
  body?: string
  /** @default 'application/json' */
  contentType?: string
  /** @default 0 */
  delayMs?: number
  /** Destroy the connection without a response (after `delayMs`). */
  destroySocket?: boolean
}

/** A request as a route sees it: method, headers and the whole body as UTF-8 text. */
export interface ReceivedRequest {
  readonly method: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A complete response. */
export interface Reply {
  readonly status: number
  readonly body: string
  /** @default 'application/json' */
  readonly contentType?: string
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * What a request path resolves to: the counted endpoint, the methods it answers (others get 405)
 * and how it answers.
 */
export interface Route {
  readonly endpoint: FaultEndpoint
  /** @default ['GET', 'HEAD'] */
  readonly methods?: readonly string[]
  /** Sees every request with an allowed method once its body is read, before any fault applies. */
  readonly observe?: (request: ReceivedRequest) => void
  /** The normal response. */
  readonly respond: (request: ReceivedRequest) => Reply | Promise<Reply>
}

/** The reply for a JSON document. */
export function jsonReply(document: unknown, status = 200): Reply {
  return { status, body: JSON.stringify(document) }
}

/** Largest request body read, in bytes; a larger one gets 413. */
const MAX_BODY_BYTES = 64 * 1024

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    )
    req.on('error', reject)
  })
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

/** A loopback HTTP server for a test issuer, with per-endpoint request counts and faults. */
export class IssuerServer {
  /** `http://host:port` of the listening server. */
  readonly origin: string
  readonly #server: Server
  readonly #resolve: (pathname: string) => Route | undefined
  readonly #counts: Record<CountedEndpoint, number> = {
    jwks: 0,
    metadata: 0,
    introspection: 0,
    token: 0,
    all: 0,
  }
  readonly #faults = new Map<FaultEndpoint, Fault>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #closing: Promise<void> | undefined

  private constructor(
    server: Server,
    origin: string,
    resolve: (pathname: string) => Route | undefined,
  ) {
    this.#server = server
    this.origin = origin
    this.#resolve = resolve
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res))
  }

  /** Starts listening on `host:port` (port 0 picks a free port). */
  static async listen(
    host: string,
    port: number,
    resolve: (pathname: string) => Route | undefined,
  ): Promise<IssuerServer> {
    const server = createServer()
    await new Promise<void>((done, fail) => {
      server.once('error', fail)
      server.listen(port, host, () => {
        server.off('error', fail)
        done()
      })
    })
    const { port: bound } = server.address() as AddressInfo
    return new IssuerServer(server, `http://${formatHost(host)}:${bound}`, resolve)
  }

  /** Requests received for `endpoint` since start or the last `resetCounts()`. */
  requestCount(endpoint: CountedEndpoint): number {
    return this.#counts[endpoint]
  }

  /** Sets every request count to zero. */
  resetCounts(): void {
    for (const endpoint of Object.keys(this.#counts) as CountedEndpoint[]) {
      this.#counts[endpoint] = 0
    }
  }

  /** Injects `fault` on `endpoint` for requests arriving from now on; `undefined` clears it. */
  setFault(endpoint: FaultEndpoint, fault: Fault | undefined): void {
    if (fault === undefined) this.#faults.delete(endpoint)
    else this.#faults.set(endpoint, { ...fault })
  }

  /** Stops the server, dropping open (including keep-alive and delayed) connections. */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((done, fail) => {
      for (const timer of this.#timers) clearTimeout(timer)
      this.#timers.clear()
      this.#server.close((error) => (error ? fail(error) : done()))
      this.#server.closeAllConnections()
    })
    return this.#closing
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    this.#counts.all += 1
    const pathname = (req.url ?? '/').split('?')[0] ?? '/'
    const route = this.#resolve(pathname)
    if (!route) return send(res, 404, 'Not Found', 'text/plain; charset=utf-8')
    this.#counts[route.endpoint] += 1
    const methods = route.methods ?? ['GET', 'HEAD']
    if (!methods.includes(req.method ?? '')) {
      res.setHeader('allow', methods.join(', '))
      return send(res, 405, 'Method Not Allowed', 'text/plain; charset=utf-8')
    }
    readBody(req).then(
      (body) => {
        if (this.#closing) return req.socket.destroy()
        if (body === undefined) {
          return send(res, 413, 'Payload Too Large', 'text/plain; charset=utf-8')
        }
        const request: ReceivedRequest = { method: req.method ?? '', headers: req.headers, body }
        route.observe?.(request)
        this.#answer(req, res, route, request)
      },
      () => req.socket.destroy(),
    )
  }

  #answer(req: IncomingMessage, res: ServerResponse, route: Route, request: ReceivedRequest): void {
    const fault = this.#faults.get(route.endpoint)
    if (!fault) return this.#serve(res, route, request)
    const respond = (): void => {
      if (fault.destroySocket) req.socket.destroy()
      else if (
        fault.status !== undefined ||
        fault.body !== undefined ||
        fault.contentType !== undefined
      ) {
        const status = fault.status ?? (fault.body === undefined ? 500 : 200)
        send(res, status, fault.body ?? '', fault.contentType ?? 'application/json')
      } else this.#serve(res, route, request)
    }
    if (!fault.delayMs) return respond()
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      respond()
    }, fault.delayMs)
    this.#timers.add(timer)
    res.on('close', () => {
      clearTimeout(timer)
      this.#timers.delete(timer)
    })
  }

  #serve(res: ServerResponse, route: Route, request: ReceivedRequest): void {
    Promise.resolve()
      .then(() => route.respond(request))
      .then(
        (reply) =>
          send(
            res,
            reply.status,
            reply.body,
            reply.contentType ?? 'application/json',
            reply.headers,
          ),
        (error: unknown) =>
          send(
            res,
            500,
            JSON.stringify({ error: 'server_error', error_description: String(error) }),
            'application/json',
          ),
      )
  }
}
