import { randomBytes } from 'node:crypto'
import { compactVerify } from 'jose'
import { buildClaims, type ClaimDefaults, type ClaimOptions } from './claims.js'
import type { KeyRing } from './internal/key-ring.js'

/** Options for `TestIssuer.issueOpaque`. */
export interface OpaqueTokenOptions {
  /** Sets the `scope` claim; an array is joined with spaces. */
  scope?: string | string[]
  /**
   * Seconds from now for `exp`; negative for a token that is already expired.
   *
   * @default the issuer's `tokenLifetime`
   */
  expiresIn?: number
  /**
   * Whether to add the default claims (iss, sub, aud, client_id, iat, exp, jti, token_type).
   *
   * @default true
   */
  defaults?: boolean
}

/** What a token registry needs from its issuer. */
export interface TokenRegistryContext extends ClaimDefaults {
  readonly keys: KeyRing
}

/** Algorithms the introspection endpoint accepts on this issuer's JWTs (never HS* or none). */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'PS256', 'ES256', 'ES384', 'EdDSA']

const INACTIVE = Object.freeze({ active: false })

function isExpired(claims: Record<string, unknown>): boolean {
  return typeof claims.exp === 'number' && claims.exp <= Date.now() / 1000
}

function active(claims: Record<string, unknown>): Record<string, unknown> {
  const { active: _ignored, ...rest } = claims
  return { active: true, ...rest }
}

/**
 * The tokens a test issuer's introspection endpoint knows: opaque tokens with their claims, and
 * revoked tokens (opaque or JWT). Decides the RFC 7662 answer for any token.
 */
export class TokenRegistry {
  readonly #context: TokenRegistryContext
  readonly #opaque = new Map<string, Record<string, unknown>>()
  readonly #revoked = new Set<string>()

  constructor(context: TokenRegistryContext) {
    this.#context = context
  }

  /**
   * Makes a random opaque token (43 base64url characters, no dots) that introspects as active
   * with these claims: the defaults of `sign()` plus `token_type: 'Bearer'` (unless
   * `defaults: false`), `scope`/`exp` from the options, then `claims`, where `undefined` removes
   * a claim.
   */
  issue(claims: Record<string, unknown> = {}, options: OpaqueTokenOptions = {}): string {
    const withType = options.defaults === false ? claims : { token_type: 'Bearer', ...claims }
    const claimOptions: ClaimOptions = {
      defaults: options.defaults,
      scope: options.scope,
      expiresIn: options.expiresIn,
    }
    const built = buildClaims(this.#context, withType, claimOptions)
    const token = randomBytes(32).toString('base64url')
    this.#opaque.set(token, structuredClone(built))
    return token
  }

  /** From now on `token` introspects as inactive. */
  revoke(token: string): void {
    if (typeof token !== 'string' || token === '') {
      throw new TypeError('revoke() needs the token string')
    }
    this.#revoked.add(token)
  }

  /**
   * The RFC 7662 answer for `token`: `{ active: true, ...claims }` for a known, unrevoked,
   * unexpired opaque token or a JWT signed with one of this issuer's keys (its payload, with
   * `token_type: 'Bearer'` unless it has one); `{ active: false }` for anything else. Only `exp`
   * is checked, not `nbf`.
   */
  async answer(token: string): Promise<Record<string, unknown>> {
    if (this.#revoked.has(token)) return { ...INACTIVE }
    const opaque = this.#opaque.get(token)
    if (opaque !== undefined) {
      return isExpired(opaque) ? { ...INACTIVE } : active(structuredClone(opaque))
    }
    const payload = await this.#verifyJwt(token)
    if (payload === undefined || isExpired(payload)) return { ...INACTIVE }
    return active({ token_type: 'Bearer', ...payload })
  }

  async #verifyJwt(token: string): Promise<Record<string, unknown> | undefined> {
    if (token.split('.').length !== 3) return undefined
    for (const key of this.#context.keys.held()) {
      let payload: Uint8Array
      try {
        ;({ payload } = await compactVerify(token, key.publicKey, { algorithms: JWT_ALGORITHMS }))
      } catch {
        continue
      }
      try {
        const claims: unknown = JSON.parse(new TextDecoder().decode(payload))
        if (typeof claims === 'object' && claims !== null && !Array.isArray(claims)) {
          return claims as Record<string, unknown>
        }
      } catch {
        // a signed payload that is not a JSON object is not an access token
      }
      return undefined
    }
    return undefined
  }
}
