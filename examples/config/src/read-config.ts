// readConfig() alone, without the Redis connection code: for runtimes without Node.js (the Hono
// example's Worker imports @scopeguard/example-config/read-config).
import type { ResourceServerOptions } from '@scopeguard/core'
import { isLoopback } from '@scopeguard/core/primitives'

/** One `host:port` of `REDIS_CLUSTER_NODES`. */
export interface RedisNode {
  host: string
  port: number
}

/** What an example server needs: where to listen, and its resource server options. */
export interface ExampleConfig {
  port: number
  resourceServer: ResourceServerOptions
  /**
   * `REDIS_URL`: the Redis every instance of the API shares (DPoP replay markers and nonces, the
   * introspection cache, the revocation denylist). {@link connectShared} connects to it.
   */
  redisUrl?: string
  /**
   * `REDIS_CLUSTER_NODES`: instead of `REDIS_URL`, a Redis Cluster every instance shares, as the
   * startup nodes (`host:port,…`). {@link connectShared} connects to it.
   */
  redisClusterNodes?: readonly RedisNode[]
  /**
   * `PUBLIC_ORIGIN` (normalised to `scheme://host[:port]`): the origin clients use when the
   * instances sit behind a load balancer. DPoP proofs' `htu` are checked against it (the core's
   * `publicOrigin`) instead of each instance's own address, and it is the protected resource
   * metadata's default `resource`.
   */
  publicOrigin?: string
}

/**
 * Reads the examples contract's environment variables:
 *
 * - `PORT` (listen on 127.0.0.1; `0` for any free port), `OAUTH_ISSUER`, `OAUTH_AUDIENCE`
 * - optional `OAUTH_JWKS_URI` (otherwise discovered from the issuer's metadata)
 * - optional `OAUTH_CLIENT_ID` + `OAUTH_CLIENT_SECRET` (client_secret_basic), and optionally
 *   `OAUTH_INTROSPECTION_URL` (otherwise discovered): opaque tokens are then accepted through
 *   token introspection, JWT-shaped ones still verified locally.
 * - optional `REDIS_URL` (`redis://` or `rediss://`): state shared by every instance, see
 *   {@link connectShared}; or instead `REDIS_CLUSTER_NODES` (`host:port,…`): the same on a Redis
 *   Cluster
 * - optional `PUBLIC_ORIGIN` (`https://…`, or `http://` on loopback): the origin behind which the
 *   instances run
 * - optional `OAUTH_RESOURCE`: this API's resource identifier for the protected resource metadata
 *   (RFC 9728), served at `/.well-known/oauth-protected-resource…` and named in every challenge.
 *   Defaults to `PUBLIC_ORIGIN` when set, else to `OAUTH_AUDIENCE` when that is an `https://` URL
 *   (or `http://` on loopback); otherwise no metadata is published. `OAUTH_RESOURCE=off` turns it
 *   off.
 *
 * - optional `OAUTH_DPOP` (`disabled`, `allowed` (default) or `required`): the DPoP policy
 *   (RFC 9449), and `OAUTH_DPOP_NONCE` (`on`, or a secret of at least 32 characters shared by every
 *   instance): require server nonces (kept in the store, or derived from the secret)
 *
 * Reads only: nothing is connected here.
 *
 * @throws Error with a message naming the variable that is missing or wrong.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const missing = ['OAUTH_ISSUER', 'OAUTH_AUDIENCE'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new Error(`missing environment variable(s): ${missing.join(', ')}`)
  }
  const port = Number(env['PORT'] ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(env['PORT'])}`)
  }
  const clientId = env['OAUTH_CLIENT_ID']
  const clientSecret = env['OAUTH_CLIENT_SECRET']
  const introspectionUrl = env['OAUTH_INTROSPECTION_URL']
  if ((clientId || introspectionUrl) && !(clientId && clientSecret)) {
    throw new Error(
      'introspection needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET (this API’s credentials at the authorization server)',
    )
  }
  const jwksUri = env['OAUTH_JWKS_URI']
  const redisUrl = env['REDIS_URL'] ? readRedisUrl(env['REDIS_URL']) : undefined
  const redisClusterNodes = env['REDIS_CLUSTER_NODES']
    ? readClusterNodes(env['REDIS_CLUSTER_NODES'])
    : undefined
  if (redisUrl && redisClusterNodes) {
    throw new Error('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both')
  }
  const publicOrigin = env['PUBLIC_ORIGIN'] ? readPublicOrigin(env['PUBLIC_ORIGIN']) : undefined
  const dpop = readDpop(env['OAUTH_DPOP'], env['OAUTH_DPOP_NONCE'])
  // Behind a load balancer the resource clients call is on the public origin.
  const resource = readResource(
    env['OAUTH_RESOURCE'],
    publicOrigin ?? (env['OAUTH_AUDIENCE'] as string),
  )
  return {
    port,
    resourceServer: {
      issuer: env['OAUTH_ISSUER'] as string,
      audience: env['OAUTH_AUDIENCE'] as string,
      ...(jwksUri ? { jwksUri } : {}),
      ...(publicOrigin ? { publicOrigin } : {}),
      ...(dpop ? { dpop } : {}),
      ...(clientId && clientSecret
        ? {
            introspection: {
              clientId,
              clientSecret,
              ...(introspectionUrl ? { endpoint: introspectionUrl } : {}),
            },
          }
        : {}),
      ...(resource
        ? {
            resourceMetadata: {
              resource,
              scopesSupported: EXAMPLE_SCOPES,
              resourceName: 'scopeguard example API',
            },
          }
        : {}),
    },
    ...(redisUrl ? { redisUrl } : {}),
    ...(redisClusterNodes ? { redisClusterNodes } : {}),
    ...(publicOrigin ? { publicOrigin } : {}),
  }
}

/** `OAUTH_DPOP` and `OAUTH_DPOP_NONCE` as the core's `dpop` option; undefined for the default. */
function readDpop(
  policy: string | undefined,
  nonce: string | undefined,
): ResourceServerOptions['dpop'] | undefined {
  if (policy && !['disabled', 'allowed', 'required'].includes(policy)) {
    throw new Error(
      `OAUTH_DPOP must be disabled, allowed or required; got ${JSON.stringify(policy)}`,
    )
  }
  if (!nonce || nonce === 'off') {
    return policy ? (policy as 'disabled' | 'allowed' | 'required') : undefined
  }
  if (nonce !== 'on' && nonce.length < 32) {
    throw new Error('OAUTH_DPOP_NONCE must be on, off or a secret of at least 32 characters')
  }
  return {
    policy: (policy || 'allowed') as 'disabled' | 'allowed' | 'required',
    nonce: nonce === 'on' ? true : { secret: nonce },
  }
}

/** The scopes the examples' routes use, published as `scopes_supported`. */
const EXAMPLE_SCOPES = ['files:read', 'files:write', 'account:read']

function publishable(url: URL): boolean {
  return (
    url.hash === '' && (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url)))
  )
}

/**
 * The resource identifier to publish metadata for: `OAUTH_RESOURCE`, or the audience when it is a
 * URL that may be published; undefined for none.
 */
function readResource(value: string | undefined, audience: string): string | undefined {
  if (value === 'off') return undefined
  if (value === undefined || value === '') {
    try {
      return publishable(new URL(audience)) ? audience : undefined
    } catch {
      return undefined
    }
  }
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || !publishable(url)) {
    throw new Error(
      `OAUTH_RESOURCE must be an https:// URL without a fragment (http:// only on loopback), or off; got ${JSON.stringify(value)}`,
    )
  }
  return value
}

/** Checks `REDIS_URL`. Messages never repeat the value: it may hold a password. */
function readRedisUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error('REDIS_URL is not a URL; expected redis://[user:password@]host:port[/db]')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new Error(
      `REDIS_URL must start with redis:// or rediss:// (TLS), not ${url.protocol}//; expected redis://[user:password@]host:port[/db]`,
    )
  }
  if (url.hostname === '') throw new Error('REDIS_URL has no host; expected redis://host:port')
  return value
}

/** Reads `REDIS_CLUSTER_NODES`: comma-separated `host:port` (IPv6 hosts in brackets). */
function readClusterNodes(value: string): RedisNode[] {
  return value.split(',').map((entry) => {
    const node = entry.trim()
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s:/@[\]]+):(\d{1,5})$/.exec(node)
    const port = Number(match?.[2])
    if (match === null || port < 1 || port > 65535) {
      throw new Error(
        `REDIS_CLUSTER_NODES must be comma-separated host:port pairs, e.g. redis-1:6379,redis-2:6379; got ${JSON.stringify(node)}`,
      )
    }
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port }
  })
}

/** Checks `PUBLIC_ORIGIN` and returns it as an origin (`scheme://host[:port]`, no slash). */
function readPublicOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(
      `PUBLIC_ORIGIN is not a URL: ${JSON.stringify(value)}; expected an origin such as https://api.example.com`,
    )
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new Error(
      `PUBLIC_ORIGIN must be an https:// origin (http:// only on loopback), got ${JSON.stringify(value)}`,
    )
  }
  if (
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new Error(
      `PUBLIC_ORIGIN must be an origin only (scheme, host and optional port, no path, query or credentials), got ${JSON.stringify(value)}`,
    )
  }
  return url.origin
}
