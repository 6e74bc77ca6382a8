/**
 * What a store entry is for, so that a store can keep the two apart:
 * - `cache`: results that only save work (introspection answers). Losing one costs a refetch, so
 *   a store may evict them under memory pressure.
 * - `state`: security state that must be kept until it expires: DPoP replay markers, the
 *   revocation denylist, DPoP nonces, registered clients. Losing one lets a replayed proof or a
 *   revoked token in, so a store must never evict a live `state` entry: when it has no room it
 *   refuses the write (the resource server then fails closed: 503, or an error from `revoke()`),
 *   and a `state` value it cannot decode counts as present.
 */
export type StoreKind = 'cache' | 'state'

/**
 * Where the resource server keeps what must survive between requests and, with a shared
 * implementation such as `@scopeguard/redis`, between instances. Every call names the
 * {@link StoreKind} of its key. Keys are namespaced and versioned by the caller, bounded in length
 * and never contain tokens or other client text (only SHA-256 hashes); values are small strings.
 *
 * Implementations must apply the TTL to every entry and be safe under concurrent use.
 */
export interface Store {
  /** The value stored under `key`, or undefined when absent or expired. */
  get(key: string, kind: StoreKind): Promise<string | undefined>
  /**
   * Stores `value` under `key` for `ttlMs` milliseconds, replacing any value.
   * @throws when a `state` entry cannot be kept (e.g. the store is full): never silently dropped.
   */
  set(key: string, value: string, ttlMs: number, kind: StoreKind): Promise<void>
  /**
   * Stores `value` only when `key` is absent, atomically.
   * @returns true when this call stored the value, false when the key already existed.
   * @throws when a `state` entry cannot be kept.
   */
  setIfAbsent(key: string, value: string, ttlMs: number, kind: StoreKind): Promise<boolean>
  /** Removes `key`. */
  delete(key: string, kind: StoreKind): Promise<void>
  /**
   * Optional startup check, run by the resource server's `warmUp()`: confirms the store can keep
   * `state` entries as this interface requires (e.g. that a Redis will not evict them).
   * @throws Error saying what to change, when the store cannot keep security state safely.
   */
  warmUp?(): Promise<void>
}
