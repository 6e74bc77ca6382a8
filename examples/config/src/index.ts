import type { ResourceServerOptions } from '@scopeguard/core'

/** What an example server needs: where to listen, and its resource server options. */
export interface ExampleConfig {
  port: number
  resourceServer: ResourceServerOptions
}

/**
 * Reads the examples contract's environment variables:
 *
 * - `PORT` (listen on 127.0.0.1; `0` for any free port), `OAUTH_ISSUER`, `OAUTH_AUDIENCE`
 * - optional `OAUTH_JWKS_URI` (otherwise discovered from the issuer's metadata)
 * - optional `OAUTH_CLIENT_ID` + `OAUTH_CLIENT_SECRET` (client_secret_basic), and optionally
 *   `OAUTH_INTROSPECTION_URL` (otherwise discovered): opaque tokens are then accepted through
 *   token introspection, JWT-shaped ones still verified locally.
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
  return {
    port,
    resourceServer: {
      issuer: env['OAUTH_ISSUER'] as string,
      audience: env['OAUTH_AUDIENCE'] as string,
      ...(jwksUri ? { jwksUri } : {}),
      ...(clientId && clientSecret
        ? {
            introspection: {
              clientId,
              clientSecret,
              ...(introspectionUrl ? { endpoint: introspectionUrl } : {}),
            },
          }
        : {}),
    },
  }
}
