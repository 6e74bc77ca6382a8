// Serves Fetch handlers on Node for the tests, through @hono/node-server's request listener (a
// real HTTP server: the shared cases talk to it over loopback sockets).
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { peerCertificate } from '@scopeguard/core'
import type { RequestListener } from 'node:http'
import type { RequestExtras } from '../src/index.js'

/** A Fetch handler given Node's request as its second argument. */
export type NodeFetchHandler = (request: Request, env: HttpBindings) => Response | Promise<Response>

/** A Node request listener running a Fetch handler. */
export function listener(handler: NodeFetchHandler): RequestListener {
  return getRequestListener((request, env) =>
    handler(request, env as HttpBindings),
  ) as unknown as RequestListener
}

/** What Node's socket adds to the Request: raw headers, client certificate, peer address. */
export function nodeExtras(_request: Request, env: HttpBindings): RequestExtras {
  return {
    rawHeaders: env.incoming.rawHeaders,
    clientCertificate: peerCertificate(env.incoming.socket),
    remoteAddress: env.incoming.socket.remoteAddress,
  }
}

/** A handler answering from a table of exact paths, 404 otherwise. */
export function router(
  routes: Record<string, NodeFetchHandler>,
  before?: (request: Request) => Response | undefined,
): NodeFetchHandler {
  return (request, env) => {
    const early = before?.(request)
    if (early !== undefined) return early
    const route = routes[new URL(request.url).pathname]
    return route === undefined ? new Response('Not Found', { status: 404 }) : route(request, env)
  }
}
