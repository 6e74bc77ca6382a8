import { peerCertificate, type RequestLike } from '@scopeguard/core'
import { toRequestLike } from '@scopeguard/web'
import type { Context } from 'hono'
import { RAW_TARGET } from './node-listener.js'

/** The slice of Node's `IncomingMessage` read here (typed structurally: no `node:` import). */
interface NodeIncoming {
  method?: string
  url?: string
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  socket?: { encrypted?: boolean; remoteAddress?: string }
}

/** Node's request under `@hono/node-server` (`c.env.incoming`), else undefined. */
function nodeIncoming(c: Context): NodeIncoming | undefined {
  const incoming = (c.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming
  return incoming !== undefined &&
    Array.isArray(incoming.rawHeaders) &&
    typeof incoming.url === 'string' &&
    typeof incoming.headers === 'object'
    ? (incoming as NodeIncoming)
    : undefined
}

/**
 * The core's view of the request. On Node (`@hono/node-server`) it is read from Node's own
 * request, as the Express adapter reads it: the request target and Host as received, the raw
 * header list (a repeated header stays visible), the client certificate and peer address. On Bun,
 * Deno, workerd and other Fetch runtimes it is the `Request` (origin from `request.url`). A form
 * body is read from a clone either way.
 */
export async function requestLikeOf(c: Context): Promise<RequestLike> {
  const view = await toRequestLike(c.req.raw)
  const incoming = nodeIncoming(c)
  if (incoming === undefined) return view
  return {
    ...view,
    method: incoming.method ?? view.method,
    // the target as received, kept aside by keepRawRequest() when the server could not parse it
    url:
      ((incoming as unknown as Record<symbol, unknown>)[RAW_TARGET] as string | undefined) ??
      (incoming.url as string),
    protocol: incoming.socket?.encrypted === true ? 'https' : 'http',
    headers: incoming.headers,
    rawHeaders: incoming.rawHeaders,
    clientCertificate: peerCertificate(incoming.socket),
    remoteAddress: incoming.socket?.remoteAddress,
  }
}
