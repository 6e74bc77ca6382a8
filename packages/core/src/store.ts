/**
 * Where the resource server keeps state that must survive between requests and, with a shared
 * implementation such as `@scopeguard/redis`, between instances: cached introspection results
 * (and, later, DPoP replay markers and revocations). Keys are namespaced by the caller and never
 * contain tokens (only their SHA-256 hashes); values are small strings.
 *
 * Implementations must apply the TTL to every entry and be safe under concurrent use.
 */
export interface Store {
  /** The value stored under `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any value. */
  set(key: string, value: string, ttlMs: number): Promise<void>
  /**
   * Stores `value` only when `key` is absent, atomically.
   * @returns true when this call stored the value, false when the key already existed.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** Removes `key`. */
  delete(key: string): Promise<void>
}
