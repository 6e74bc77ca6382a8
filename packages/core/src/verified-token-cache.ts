import { LRUCache } from 'lru-cache'
import { ConfigurationError } from './errors.js'
import { checkNumberOption } from './internal/option-checks.js'
import { describeValue } from './internal/shape.js'

/** The in-process cache of verified tokens (the `cache` option of the resource server). */
export interface VerifiedTokenCacheOptions {
  /**
   * Most tokens kept; the least recently used are evicted beyond it. Each entry holds the token
   * and its decoded claims (about 2 KB for a typical JWT).
   * @default 10000
   */
  maxEntries?: number
  /**
   * Longest time one verification is reused, in seconds. Entries never outlive the token's `exp`
   * (nor `maxTokenAge`), whatever this says.
   * @default 300
   */
  maxTtlSeconds?: number
}

/**
 * Validates the resource server's `cache` option (its shape is checked before).
 * @throws ConfigurationError
 */
export function validateCacheOptions(cache: VerifiedTokenCacheOptions | false | undefined): void {
  if (cache === undefined || cache === false) return
  if (
    cache.maxEntries !== undefined &&
    (!Number.isInteger(cache.maxEntries) || cache.maxEntries < 1)
  ) {
    throw new ConfigurationError(
      `cache.maxEntries must be a positive integer, got ${describeValue(cache.maxEntries)}; use cache: false to turn the cache off`,
    )
  }
  checkNumberOption('cache.maxTtlSeconds', cache.maxTtlSeconds, false)
}

/** What the cache keeps about one verified token. */
export interface VerifiedTokenEntry<Owner, Value> {
  /** The token itself: a hit needs it to be equal, not just its lookup key. */
  readonly token: string
  /** Which verifier (issuer rules) produced the result; a hit for another owner is a miss. */
  readonly owner: Owner
  /** The verification result. */
  readonly value: Value
  /** Milliseconds: the entry is usable from here (`nbf`/`iat` minus the clock tolerance). */
  readonly notBefore: number
  /** Milliseconds: the entry is unusable from here on. */
  readonly expiresAt: number
  /** The token's SHA-256, computed once when first needed (revocation checks). */
  hash?: string
  /** The granted scopes, read once from the claims on the first hit (frozen: shared). */
  scopes?: readonly string[]
}

/** Time limits of one entry, from the verified claims. */
export interface EntryLimits {
  /** Seconds since the epoch, as in the claims. */
  exp?: unknown
  nbf?: unknown
  iat?: unknown
  /** Milliseconds: an extra upper bound (e.g. an introspection cache lifetime). */
  notAfter?: number
  /**
   * Keep the entry on the token's first sighting. For results whose `notAfter` is counted from
   * the moment they were obtained (introspection), which a later sighting would overstate.
   */
  keepOnFirstSight?: boolean
}

/** A bounded cache of verification results keyed by the token itself, checked against the clock on every hit. */
export interface VerifiedTokenCache<Owner, Value> {
  /** The live entry for a token, or undefined (an expired entry is dropped). */
  get(token: string): VerifiedTokenEntry<Owner, Value> | undefined
  /**
   * Keeps a verification result, from the second time a token is verified on (admission on
   * second sight); does nothing when its limits leave no lifetime.
   */
  set(token: string, owner: Owner, value: Value, limits: EntryLimits): void
  /** Drops one token. */
  delete(token: string): void
  /** Drops every entry the predicate selects (e.g. a revoked `jti`). */
  deleteWhere(select: (entry: VerifiedTokenEntry<Owner, Value>) => boolean): void
  /** Entries currently kept (live or not yet swept). */
  readonly size: number
}

/** Resolved settings of {@link createVerifiedTokenCache}. */
export interface VerifiedTokenCacheConfig extends VerifiedTokenCacheOptions {
  /** Seconds of clock skew allowed for `exp`, `nbf` and `iat`. */
  clockTolerance: number
  /** Seconds; a token older than this (by `iat`) is no longer accepted. */
  maxTokenAge?: number | undefined
  /** Clock in milliseconds since the epoch. */
  now: () => number
}

const numeric = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/**
 * The map key of a token: its last characters (for a JWS, the end of the signature). Hashing a
 * fresh 1 KB token string for every lookup costs microseconds; a short key costs nanoseconds,
 * and a hit still requires the whole token to be equal, so two tokens sharing a key only evict
 * each other.
 */
const KEY_LENGTH = 48
const keyOf = (token: string): string =>
  token.length <= KEY_LENGTH ? token : token.slice(token.length - KEY_LENGTH)

/** 32-bit FNV-1a of a lookup key, never 0 (0 marks an empty doorkeeper slot). */
function fingerprint(key: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0 || 1
}

/**
 * Creates the verified-token cache. An entry is usable only while the clock, read on every hit, is
 * within the token's validity (`nbf`/`iat` … `exp`, with the clock tolerance, and `maxTokenAge`)
 * and within `maxTtlSeconds` of its verification; outside it the entry is dropped and the caller
 * verifies again, which reports the precise error.
 */
export function createVerifiedTokenCache<Owner, Value>(
  config: VerifiedTokenCacheConfig,
): VerifiedTokenCache<Owner, Value> {
  const { now, clockTolerance, maxTokenAge } = config
  const toleranceMs = clockTolerance * 1000
  const maxTtlMs = (config.maxTtlSeconds ?? 300) * 1000
  const maxEntries = config.maxEntries ?? 10_000
  const entries = new LRUCache<string, VerifiedTokenEntry<Owner, Value>>({ max: maxEntries })
  // Admission on second sight: a token is kept only when it comes back. A stream of tokens
  // that never repeat would otherwise push every verification through the LRU, keeping each
  // result alive just long enough to be promoted and collected by a full GC (measured: +40 µs
  // per request). The doorkeeper is a fixed typed array of fingerprints: no objects retained;
  // a collision only admits a token one sighting early.
  const doorkeeper = new Uint32Array(Math.min(1 << 20, Math.max(1024, maxEntries * 2)))
  const admit = (key: string): boolean => {
    const print = fingerprint(key)
    const slot = print % doorkeeper.length
    if (doorkeeper[slot] === print) return true
    doorkeeper[slot] = print
    return false
  }

  return {
    get(token) {
      const key = keyOf(token)
      const entry = entries.get(key)
      if (entry === undefined || entry.token !== token) return undefined
      const time = now()
      if (time >= entry.expiresAt || time < entry.notBefore) {
        entries.delete(key)
        return undefined
      }
      return entry
    },
    set(token, owner, value, limits) {
      const time = now()
      let expiresAt = time + maxTtlMs
      const exp = numeric(limits.exp)
      if (exp !== undefined) expiresAt = Math.min(expiresAt, exp * 1000 + toleranceMs)
      const iat = numeric(limits.iat)
      if (iat !== undefined && maxTokenAge !== undefined) {
        expiresAt = Math.min(expiresAt, (iat + maxTokenAge) * 1000 + toleranceMs)
      }
      if (limits.notAfter !== undefined) expiresAt = Math.min(expiresAt, limits.notAfter)
      const nbf = numeric(limits.nbf)
      const notBefore = Math.max(nbf ?? -Infinity, iat ?? -Infinity) * 1000 - toleranceMs
      if (expiresAt <= time || notBefore > time) return
      const key = keyOf(token)
      if (!admit(key) && limits.keepOnFirstSight !== true) return
      entries.set(key, { token, owner, value, notBefore, expiresAt })
    },
    delete(token) {
      const key = keyOf(token)
      if (entries.peek(key)?.token === token) entries.delete(key)
    },
    deleteWhere(select) {
      const selected: string[] = []
      for (const [key, entry] of entries.entries()) if (select(entry)) selected.push(key)
      for (const key of selected) entries.delete(key)
    },
    get size() {
      return entries.size
    },
  }
}
