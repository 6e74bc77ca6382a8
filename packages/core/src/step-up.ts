import { refusal } from './auth-info.js'
import { ConfigurationError, InsufficientUserAuthenticationError } from './errors.js'
import type { Requirement } from './requirements.js'

/** What {@link requireAuthentication} asks of the user's authentication (RFC 9470). */
export interface AuthenticationPolicy {
  /** Acceptable `acr` values, most preferred first; the token's `acr` must be one of them. */
  acrValues?: readonly string[]
  /** Most seconds since the user authenticated (`auth_time`). */
  maxAge?: number
  /** Clock skew allowed on `auth_time`, in seconds. @default 5 */
  clockTolerance?: number
  /** Clock in milliseconds (for tests). @default Date.now */
  now?: () => number
}

/**
 * Requires a strong or recent enough user authentication (RFC 9470 step-up). A token whose `acr`
 * is not acceptable, or whose `auth_time` is missing or too old, fails with 401
 * `insufficient_user_authentication`; the challenge carries `acr_values` and/or `max_age` so the
 * client can send the user back to the authorization server. Reads `acr` and `auth_time` from
 * JWT claims and introspection responses alike.
 */
export function requireAuthentication(policy: AuthenticationPolicy): Requirement {
  const acrValues = policy.acrValues ?? []
  const { maxAge } = policy
  if (acrValues.length === 0 && maxAge === undefined) {
    throw new ConfigurationError('requireAuthentication() needs acrValues, maxAge or both')
  }
  if (acrValues.some((acr) => typeof acr !== 'string' || acr === '' || /[\s"\\]/.test(acr))) {
    throw new ConfigurationError(
      'requireAuthentication(): acrValues must be non-empty strings without spaces',
    )
  }
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) {
    throw new ConfigurationError(
      'requireAuthentication(): maxAge must be a whole number of seconds',
    )
  }
  const tolerance = policy.clockTolerance ?? 5
  const now = policy.now ?? Date.now
  return {
    kind: 'authentication',
    scopes: [],
    check(auth) {
      const claims = auth.claims as Readonly<Record<string, unknown>>
      const problems: string[] = []
      if (acrValues.length > 0 && !acrValues.includes(claims['acr'] as string)) {
        problems.push('a stronger authentication')
      }
      if (maxAge !== undefined) {
        const authTime = claims['auth_time']
        if (typeof authTime !== 'number' || now() / 1000 - authTime > maxAge + tolerance) {
          problems.push('a more recent authentication')
        }
      }
      if (problems.length === 0) return
      throw refusal(
        auth,
        (challenge) =>
          new InsufficientUserAuthenticationError(
            acrValues,
            maxAge,
            `This request needs ${problems.join(' and ')} of the user`,
            {
              reason:
                problems.length === 1 && maxAge !== undefined && problems[0]?.includes('recent')
                  ? 'authentication_too_old'
                  : 'authentication_too_weak',
              challenge,
            },
          ),
      )
    },
  }
}
