/** Where {@link keepRawRequest} leaves the request target as received. */
export const RAW_TARGET = Symbol.for('scopeguard.rawTarget')

/** The slice of Node's `IncomingMessage` touched here (typed structurally: no `node:` import). */
interface Incoming {
  url?: string | undefined
  headers: Record<string, string | string[] | undefined>
}

/** A Host that `@hono/node-server` turns into a URL as it is. */
const PLAIN_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/

function usableHost(host: string | string[] | undefined): boolean {
  if (typeof host !== 'string' || !PLAIN_HOST.test(host)) return false
  const port = /:([0-9]+)$/.exec(host)?.[1]
  return port === undefined || Number(port) <= 65535
}

/**
 * Wraps `@hono/node-server`'s request listener so that every request reaches the app, as in
 * Express: the server answers a Host or request target it cannot make a URL of (`Host: a@b`,
 * `OPTIONS *`, `http://host:999999/…`) with a plain 400 before any middleware runs. Here such a
 * request gets a placeholder URL, and `protect()` judges the Host and target as received (from
 * Node's raw headers and the target kept aside): a Bearer request does not need the Host at all,
 * and a DPoP proof gets the same 400 `invalid_request` as in every other adapter.
 *
 * ```ts
 * import { createServer } from 'node:http'
 * import { getRequestListener } from '@hono/node-server'
 * createServer(keepRawRequest(getRequestListener(app.fetch))).listen(3000)
 * ```
 */
export function keepRawRequest<Listener extends (incoming: never, outgoing: never) => unknown>(
  listener: Listener,
): Listener {
  const wrapped = (incoming: Incoming, outgoing: unknown): unknown => {
    const target = incoming.url ?? ''
    ;(incoming as unknown as Record<symbol, unknown>)[RAW_TARGET] = target
    if (!usableHost(incoming.headers.host)) incoming.headers.host = 'localhost'
    if (!target.startsWith('/')) {
      const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(.*)$/s.exec(target)
      const path = absolute?.[1] ?? ''
      incoming.url = path.startsWith('/') ? path : '/'
    }
    return (listener as unknown as (incoming: Incoming, outgoing: unknown) => unknown)(
      incoming,
      outgoing,
    )
  }
  return wrapped as unknown as Listener
}
