/** The examples contract: every example server is configured by these environment variables. */
export interface ExampleConfig {
  port: number
  issuer: string
  audience: string
  jwksUri: string | undefined
}

/** Reads the contract's environment variables, failing with a clear message when one is wrong. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const missing = ['OAUTH_ISSUER', 'OAUTH_AUDIENCE'].filter((name) => !env[name])
  if (missing.length > 0) {
    throw new Error(`missing environment variable(s): ${missing.join(', ')}`)
  }
  const port = Number(env['PORT'] ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${JSON.stringify(env['PORT'])}`)
  }
  return {
    port,
    issuer: env['OAUTH_ISSUER'] as string,
    audience: env['OAUTH_AUDIENCE'] as string,
    jwksUri: env['OAUTH_JWKS_URI'] || undefined,
  }
}
