import type { ChallengeParams } from './challenge.js'
import type { DpopProofInfo } from './dpop-verifier.js'
import { InvalidTokenError, type OAuthError } from './errors.js'
import type { TokenSource } from './extract.js'
import type { Scope } from './scopes.js'

/** Registered claims of a JWT access token (RFC 9068 §2.2) and common extensions. */
export interface AccessTokenClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  client_id?: string
  azp?: string
  scope?: string
  scp?: string | string[]
  permissions?: string[]
  auth_time?: number
  acr?: string
  amr?: string[]
  act?: ActorClaim
  may_act?: Record<string, unknown>
  cnf?: Record<string, unknown>
  [claim: string]: unknown
}

/** An `act` claim (RFC 8693 §4.1): the acting party, possibly with its own `act`. */
export interface ActorClaim {
  sub?: string
  iss?: string
  client_id?: string
  act?: ActorClaim
  [claim: string]: unknown
}

/** One party in a delegation chain. */
export interface Actor {
  subject: string | undefined
  clientId: string | undefined
  issuer: string | undefined
  /** The actor's claims without its nested `act`. */
  claims: Readonly<Record<string, unknown>>
}

/**
 * The result of authenticating a request: who and what the token represents. Generic over your
 * own claims type: `AuthInfo<{ tenant: string }>` types `auth.claims.tenant`.
 *
 * `token`, `clientId`, `scopes`, `expiresAt`, `resource` and `extra` have the names and types of
 * the Model Context Protocol SDK's `AuthInfo`, so an auth object can be handed to code written
 * for that contract (e.g. an MCP transport reading `req.auth`) as it is.
 */
export interface AuthInfo<Claims extends object = Record<string, unknown>> {
  /** The raw access token. Never log it. */
  token: string
  /** The authorization scheme it came with: `DPoP` when a DPoP proof bound it (RFC 9449). */
  tokenType: 'Bearer' | 'DPoP'
  /** Where in the request the token was found. */
  source: TokenSource
  /** How the token was verified: locally as a JWT, or by introspection (`opaque`). */
  format: 'jwt' | 'opaque'
  /** The token's verified claims. */
  claims: Readonly<AccessTokenClaims & Claims>
  /** The JWT's protected header (`alg`, `kid`, `typ`); empty for opaque tokens. */
  header: Readonly<Record<string, unknown>>
  /** `sub`: the resource owner, or the client for client-credentials tokens. */
  subject: string | undefined
  /**
   * `client_id` (or `azp` when absent): the client the token was issued to; `''` when the token
   * names no client.
   */
  clientId: string
  /** The issuer whose rules verified the token (identical to a JWT's `iss`). */
  issuer: string
  /** `aud` as an array. */
  audience: readonly string[]
  /** The granted scopes, deduplicated, in token order (this request's own copy). */
  scopes: Scope[]
  /** The granted scopes plus everything they imply under the server's `scopes.implies`. */
  effectiveScopes: ReadonlySet<string>
  /** `exp`: when the token expires, in seconds since the epoch (absent when it has no `exp`). */
  expiresAt?: number
  /** `iat`: when the token was issued, in seconds since the epoch (absent when it has no `iat`). */
  issuedAt?: number
  /**
   * The resource the token was accepted for (RFC 8707): the first of its audiences that this
   * server accepts, when that is an absolute URL. Absent when no audience is configured.
   */
  resource?: URL
  /** The token's verified claims again (the same object as `claims`), for code that sees only `extra`. */
  extra?: Record<string, unknown>
  /**
   * The delegation chain from nested `act` claims (RFC 8693 §4.1), closest actor first: `actors[0]`
   * is the party presenting the token on the subject's behalf. Empty when not delegated.
   */
  actors: readonly Actor[]
  /** The `may_act` claim (RFC 8693 §4.4): who may act for the subject, when present. */
  mayAct: Readonly<Record<string, unknown>> | undefined
  /** The `cnf` (confirmation) claim, when present. */
  confirmation: Readonly<Record<string, unknown>> | undefined
  /** For a DPoP request: the verified proof's key and its thumbprint (the token's `cnf.jkt`). */
  dpop?: DpopProofInfo | undefined
  /**
   * Headers the adapter adds to the response of an authenticated request, such as a fresh
   * `DPoP-Nonce` after the nonce rotated.
   */
  responseHeaders?: Readonly<Record<string, string>> | undefined
  /**
   * How requirement checks refuse this request on behalf of the resource server that verified
   * the token (set by it; not enumerable, so not part of the auth object's JSON or spreads).
   */
  readonly refusalContext?: RefusalContext | undefined
}

/**
 * What the resource server that produced an auth object lends to the requirement checks run on
 * it, wherever they run (`rs.authorize()` or an adapter's route middleware).
 */
export interface RefusalContext {
  /** The parameters of this server's challenges, for the scheme the request used. */
  readonly challengeParams: Readonly<ChallengeParams>
  /** Reports a refusal (a `rejected` event), once per error. */
  readonly report: (error: OAuthError) => void
}

const MAX_ACTOR_DEPTH = 10

/** Sets an auth object's {@link AuthInfo.refusalContext} (not enumerable). */
export function setRefusalContext(auth: AuthInfo<object>, context: RefusalContext): void {
  Object.defineProperty(auth, 'refusalContext', { value: context, enumerable: false })
}

/** The challenge parameters of the resource server that produced an auth object. */
export function challengeParamsOf(auth: AuthInfo<object>): Readonly<ChallengeParams> {
  return auth.refusalContext?.challengeParams ?? {}
}

/**
 * A requirement's refusal of an authenticated request, built once with the challenge parameters
 * of the server that verified the token, and reported to that server. Requirement checks throw it.
 */
export function refusal<E extends OAuthError>(
  auth: AuthInfo<object>,
  build: (challenge: Readonly<ChallengeParams>) => E,
): E {
  const context = auth.refusalContext
  const refused = build(context?.challengeParams ?? {})
  context?.report(refused)
  return refused
}

function malformedActor(): InvalidTokenError {
  return new InvalidTokenError('The act claim of the access token is malformed', {
    reason: 'invalid_claim',
  })
}

function optionalString(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw malformedActor()
  return value
}

/** Reads the nested `act` chain (closest actor first), validating its shape and depth. */
export function parseActors(act: unknown): Actor[] {
  const actors: Actor[] = []
  let current = act
  while (current !== undefined) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      throw malformedActor()
    }
    if (actors.length === MAX_ACTOR_DEPTH) throw malformedActor()
    const { act: next, ...claims } = current as ActorClaim
    actors.push({
      subject: optionalString(claims.sub),
      clientId: optionalString(claims.client_id),
      issuer: optionalString(claims.iss),
      claims,
    })
    current = next
  }
  return actors
}
