import { randomUUID } from 'node:crypto'

/** What the default claims of a token are derived from. */
export interface ClaimDefaults {
  readonly issuer: string
  readonly audience: string | string[]
  /** Seconds from `iat` to `exp` unless `expiresIn` is given. */
  readonly tokenLifetime: number
}

/** The claim-related subset of `SignOptions`. */
export interface ClaimOptions {
  defaults?: boolean | undefined
  scope?: string | string[] | undefined
  expiresIn?: number | undefined
}

/** The `sub` of tokens signed with default claims. */
export const DEFAULT_SUBJECT = 'user-123'

/** The `client_id` of tokens signed with default claims. */
export const DEFAULT_CLIENT_ID = 'client-abc'

/**
 * Builds an access-token claim set: the RFC 9068 defaults (unless `defaults: false`), then
 * `scope`/`exp` from the options, then `claims`, where a claim set to `undefined` is removed.
 */
export function buildClaims(
  context: ClaimDefaults,
  claims: Record<string, unknown> = {},
  options: ClaimOptions = {},
): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  const result: Record<string, unknown> = {}
  const { expiresIn } = options
  if (expiresIn !== undefined && !Number.isFinite(expiresIn)) {
    throw new TypeError('SignOptions.expiresIn must be a finite number of seconds')
  }
  if (options.defaults !== false) {
    result.iss = context.issuer
    result.sub = DEFAULT_SUBJECT
    result.aud = Array.isArray(context.audience) ? [...context.audience] : context.audience
    result.client_id = DEFAULT_CLIENT_ID
    result.iat = now
    result.exp = now + (expiresIn ?? context.tokenLifetime)
    result.jti = randomUUID()
  } else if (expiresIn !== undefined) {
    result.exp = now + expiresIn
  }
  if (options.scope !== undefined) {
    result.scope = Array.isArray(options.scope) ? options.scope.join(' ') : options.scope
  }
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) delete result[name]
    else result[name] = value
  }
  return result
}
