import {
  parseActors,
  setRefusalContext,
  type AccessTokenClaims,
  type AuthInfo,
  type RefusalContext,
} from './auth-info.js'
import type { DpopProofInfo } from './dpop-verifier.js'
import type { TokenSource } from './extract.js'
import type { IssuerVerification } from './issuer-verifier.js'
import type { Scope } from './scopes.js'

/** The client the token was issued to: `client_id` (RFC 9068), else `azp` (OpenID Connect). */
export function clientIdOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  const { client_id: clientId, azp } = claims
  return typeof clientId === 'string' ? clientId : typeof azp === 'string' ? azp : undefined
}

/** What an auth object is built from, once every check on the token passed. */
export interface AuthInfoParts {
  token: string
  scheme: 'Bearer' | 'DPoP'
  source: TokenSource
  /** The issuer whose rules verified the token. */
  issuer: string
  verification: IssuerVerification
  scopes: readonly string[]
  effectiveScopes: ReadonlySet<string>
  /** For a DPoP request: the verified proof's key. */
  dpop?: DpopProofInfo | undefined
  refusalContext: RefusalContext
  /** The audiences the issuer accepts (for {@link AuthInfo.resource}). */
  acceptedAudiences: readonly string[]
}

/**
 * The resource a token was accepted for (RFC 8707): its first audience the issuer accepts, when
 * that is an absolute URL. None when no audience is configured (nothing was checked).
 */
function acceptedResource(
  audience: readonly string[],
  accepted: readonly string[],
): string | undefined {
  if (accepted.length === 0) return undefined
  for (const value of audience) {
    if (accepted.includes(value)) return URL.canParse(value) ? value : undefined
  }
  return undefined
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)
    : undefined
}

/**
 * Builds the auth object of a verified token: its claims read into typed members.
 * @throws InvalidTokenError for a malformed `act` claim.
 */
export function buildAuthInfo<Claims extends object>(parts: AuthInfoParts): AuthInfo<Claims> {
  const { claims: raw, header, format } = parts.verification
  const claims = raw as AccessTokenClaims & Claims
  const aud = claims.aud
  const audience: readonly string[] =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
  const resource = acceptedResource(audience, parts.acceptedAudiences)
  const auth: AuthInfo<Claims> = {
    token: parts.token,
    tokenType: parts.scheme,
    source: parts.source,
    format,
    claims,
    header,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    clientId: clientIdOf(raw) ?? '',
    issuer: parts.issuer,
    audience,
    // Each request gets its own array: cache hits share the frozen original.
    scopes: [...parts.scopes] as Scope[],
    effectiveScopes: parts.effectiveScopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined,
    resource: resource === undefined ? undefined : new URL(resource),
    extra: claims,
    actors: parseActors(claims.act),
    mayAct: objectOrUndefined(claims.may_act),
    confirmation: objectOrUndefined(claims.cnf),
  }
  if (parts.dpop !== undefined) auth.dpop = parts.dpop
  setRefusalContext(auth, parts.refusalContext)
  return auth
}
