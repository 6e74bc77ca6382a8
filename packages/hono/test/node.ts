// Serves a Hono app on Node for the tests through @hono/node-server's request listener, so that
// the shared cases talk to a real HTTP server (and the adapter sees Node's request as c.env).
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import type { RequestListener } from 'node:http'
import { keepRawRequest } from '../src/index.js'

/** A Node request listener running a Hono app. */
export function listener(app: Hono<never> | { fetch: Hono['fetch'] }): RequestListener {
  return keepRawRequest(getRequestListener(app.fetch as never)) as unknown as RequestListener
}
