import { ConfigurationError, InvalidTokenError, TemporarilyUnavailableError } from './errors.js'
import type { Logger } from './logger.js'
import type { Store } from './store.js'
import { hashToken } from './token-hash.js'
import { redactText } from './url-policy.js'
import type { VerifiedTokenCache } from './verified-token-cache.js'

/** What {@link Denylist.revoke} takes: a JWT's `jti` with its issuer, or the token itself. */
export type RevocationTarget =
  { jti: string; issuer?: string; expiresAt: Date } | { token: string; expiresAt: Date }

/** The revocation denylist (`revocation: true`), kept as `state` in the store. */
export interface Denylist {
  /**
   * Throws 401 `revoked` when the denylist names the token (by its issuer and `jti`, or by its
   * hash), 503 when the store cannot answer (fail closed).
   * @param hash the token's SHA-256 when already known (cached tokens keep theirs)
   * @returns the token's hash, for the caller to keep
   */
  check(token: string, issuer: string, jti: unknown, hash: string | undefined): Promise<string>
  /** Adds an entry that outlives the token's `exp` plus the clock tolerance. */
  revoke(target: RevocationTarget, issuer: string | undefined): Promise<void>
}

/**
 * The store keys of the denylist: versioned, of fixed length, and free of client text. The
 * issuer and `jti` are hashed together as a JSON pair, so no (issuer, jti) can ever produce the
 * key of another (`acme` + `prod:x` against `acme:prod` + `x`), a `jti` chooses no Redis Cluster
 * slot, and a 1 MB `jti` makes a 43-character key. Membership is decided by presence alone: an
 * entry in a value format this version does not know still counts as revoked.
 */
export const denylistKey = {
  jti: async (issuer: string, jti: string): Promise<string> =>
    `revoked:v2:jti:${await hashToken(JSON.stringify([issuer, jti]))}`,
  token: (hash: string): string => `revoked:v2:token:${hash}`,
}

/** Creates the denylist on a store; `clockTolerance` in seconds. */
export function createDenylist(context: {
  store: Store
  logger: Logger
  now: () => number
  clockTolerance: number
}): Denylist {
  const { store, logger, now } = context
  const toleranceMs = context.clockTolerance * 1000
  const present = async (key: string): Promise<boolean> =>
    (await store.get(key, 'state')) !== undefined

  return {
    async check(token, issuer, jti, known) {
      let hash = known
      let revoked: boolean
      try {
        revoked =
          (typeof jti === 'string' && (await present(await denylistKey.jti(issuer, jti)))) ||
          (await present(denylistKey.token((hash ??= await hashToken(token)))))
      } catch (cause) {
        logger.error('cannot read the revocation list', { cause: redactText(String(cause)) })
        throw new TemporarilyUnavailableError(undefined, { cause, reason: 'store_unavailable' })
      }
      if (revoked)
        throw new InvalidTokenError('The access token was revoked', { reason: 'revoked' })
      return hash ?? (await hashToken(token))
    },
    async revoke(target, issuer) {
      if (!(target.expiresAt instanceof Date) || Number.isNaN(target.expiresAt.getTime())) {
        throw new TypeError('revoke() needs expiresAt, a valid Date (the token’s exp)')
      }
      // A token is accepted until exp + clockTolerance: the entry must outlive that.
      const ttl = target.expiresAt.getTime() + toleranceMs - now()
      if (ttl <= 0) return
      let key: string
      if ('token' in target) key = denylistKey.token(await hashToken(target.token))
      else {
        if (issuer === undefined) {
          throw new ConfigurationError(
            'revoke({ jti }) needs the issuer when several are configured',
          )
        }
        key = await denylistKey.jti(issuer, target.jti)
      }
      await store.set(key, '1', ttl, 'state')
    },
  }
}

/** The cached verifications `rs.revoke()` and `rs.revokeClient()` drop: by token, issuer and claims. */
export type RevocableCache = Pick<
  VerifiedTokenCache<
    { readonly issuer: string },
    { readonly claims: Readonly<Record<string, unknown>> }
  >,
  'delete' | 'deleteWhere'
>

/** What `rs.revoke()` needs besides the denylist. */
export interface RevokeContext {
  /** The issuer of a `{ jti }` target that names none: the only configured issuer, if one. */
  readonly defaultIssuer: string | undefined
  /** Whether a target may name this issuer (a configured one; any with `resolveIssuer`). */
  accepts(issuer: string): boolean
  /** The cache of verified tokens, undefined with `cache: false`. */
  readonly cache: RevocableCache | undefined
}

/**
 * `rs.revoke()`: adds a token (by `jti` and issuer, or itself) to the denylist, then drops its
 * cached verifications. Cache hits consult the denylist anyway (it may be shared by other
 * instances): dropping them is a bonus.
 * @throws ConfigurationError without `revocation: true`, or for an issuer that is not configured.
 */
export function createRevoke(
  denylist: Denylist | undefined,
  context: RevokeContext,
): (target: RevocationTarget) => Promise<void> {
  const { cache } = context
  return async (target) => {
    if (denylist === undefined) {
      throw new ConfigurationError('revoke() needs the revocation: true option')
    }
    if ('token' in target) {
      await denylist.revoke(target, undefined)
      cache?.delete(target.token)
      return
    }
    const issuer = target.issuer ?? context.defaultIssuer
    if (issuer !== undefined && !context.accepts(issuer)) {
      throw new ConfigurationError(
        `revoke({ jti, issuer }) names issuer ${JSON.stringify(issuer)}, which is not configured`,
      )
    }
    await denylist.revoke(target, issuer)
    const { jti } = target
    cache?.deleteWhere((e) => e.owner.issuer === issuer && e.value.claims['jti'] === jti)
  }
}
