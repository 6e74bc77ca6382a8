import { InvalidTokenError } from './errors.js'

/** Registered claims whose value must be a string (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4.3). */
const STRING_CLAIMS = ['sub', 'client_id', 'azp', 'jti'] as const
/** Registered claims whose value must be a number of seconds (RFC 7519 §4.1). */
const NUMERIC_CLAIMS = ['exp', 'nbf', 'iat'] as const

function malformed(claim: string): InvalidTokenError {
  return new InvalidTokenError(`The ${claim} claim of the access token is malformed`, {
    reason: 'invalid_claim',
  })
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

/**
 * Checks the types of the registered claims that `AuthInfo` fields, revocation and the
 * built-in checks read, so that a wrong-typed claim is refused (401 `invalid_token`, reason
 * `invalid_claim`) instead of silently becoming a wrong or missing field: `client_id: ["x"]`
 * would otherwise let `clientId` fall back to `azp`, and a numeric `jti` would escape the
 * revocation denylist. Applies in every mode, to JWT payloads and introspection results alike:
 *
 * - `sub`, `client_id`, `azp` and `jti` are strings;
 * - `aud` is a string or an array of strings (in `strict` mode a non-empty one);
 * - `exp`, `nbf` and `iat` are numbers;
 * - `scope` is a string; outside `strict` mode an array of strings is accepted too (some issuers
 *   send one), whereas RFC 9068 §2.2.3 and RFC 7662 §2.2 define a space-delimited string.
 *
 * Presence is not checked here: `strict` requires the RFC 9068 claims of JWTs separately.
 * Other claims (`scp`, `permissions`, `act`, `cnf`) are checked where they are read.
 * @throws InvalidTokenError
 */
export function checkClaimTypes(claims: Readonly<Record<string, unknown>>, strict: boolean): void {
  for (const claim of STRING_CLAIMS) {
    const value = claims[claim]
    if (value !== undefined && typeof value !== 'string') throw malformed(claim)
  }
  for (const claim of NUMERIC_CLAIMS) {
    const value = claims[claim]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw malformed(claim)
    }
  }
  const aud = claims['aud']
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(isStringArray(aud) && (!strict || aud.length > 0))
  ) {
    throw malformed('aud')
  }
  const scope = claims['scope']
  if (scope !== undefined && typeof scope !== 'string' && (strict || !isStringArray(scope))) {
    throw malformed('scope')
  }
}
