import { LRUCache } from 'lru-cache'
import type { Store, StoreKind } from './store.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most `cache` entries kept (introspection results); the least recently used are evicted
   * beyond it.
   * @default 10000
   */
  maxEntries?: number
  /**
   * Most live `state` entries kept (DPoP replay markers, denylist entries, nonces, registered
   * clients). They are never evicted: when this many are live, a new one is refused (the
   * resource server answers 503 to a fresh DPoP proof and `revoke()` throws) until some expire.
   * Size it from the time window: a replay marker lives as long as its proof could be accepted
   * (`dpop.maxAge` plus the clock tolerance), so peak DPoP requests per second × that window,
   * plus the tokens you revoke within their lifetime. About 200 bytes each.
   * @default 100000
   */
  maxStateEntries?: number
  /** Clock in milliseconds (for tests). @default Date.now */
  now?: () => number
}

/** A `state` write refused because the store holds `maxStateEntries` live entries. */
export class StoreFullError extends Error {
  /** Stable code, for logs and metrics. */
  readonly code = 'store_full'
  constructor(capacity: number) {
    super(`the memory store holds ${capacity} live state entries (maxStateEntries)`)
    this.name = 'StoreFullError'
  }
}

interface Entry {
  readonly value: string
  readonly expiresAt: number
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`createMemoryStore: ${name} must be a positive integer`)
  }
  return value
}

/** At most one full sweep for expired state entries per this many milliseconds while full. */
const SWEEP_INTERVAL_MS = 1000

/**
 * The live `state` entries: a map that never evicts. When it is full, expired entries are swept
 * (at most once a second, so a flood against a full store costs O(1) per write) and, if it is
 * still full, the write is refused.
 */
function createStateArea(capacity: number, now: () => number) {
  const entries = new Map<string, Entry>()
  let sweptAt = -Infinity
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const makeRoom = (key: string): void => {
    if (entries.size < capacity || entries.has(key)) return
    const time = now()
    if (time - sweptAt >= SWEEP_INTERVAL_MS) {
      sweptAt = time
      for (const [k, entry] of entries) if (entry.expiresAt <= time) entries.delete(k)
    }
    if (entries.size >= capacity) throw new StoreFullError(capacity)
  }
  return {
    live,
    put(key: string, value: string, ttlMs: number): void {
      makeRoom(key)
      entries.set(key, { value, expiresAt: now() + ttlMs })
    },
    delete(key: string): void {
      entries.delete(key)
    },
  }
}

/**
 * An in-process {@link Store}: `cache` entries in a bounded LRU (lru-cache), `state` entries in a
 * separate bounded map that never evicts a live entry, so no flood of cached answers can push out
 * a replay marker or a revocation. Entries expire after their TTL. The default store; for several
 * instances behind a load balancer use a shared store.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now
  const cache = new LRUCache<string, Entry>({
    max: positiveInteger('maxEntries', options.maxEntries, 10_000),
  })
  const state = createStateArea(
    positiveInteger('maxStateEntries', options.maxStateEntries, 100_000),
    now,
  )
  const cached = (key: string): Entry | undefined => {
    const entry = cache.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now()) {
      cache.delete(key)
      return undefined
    }
    return entry
  }
  const find = (key: string, kind: StoreKind) => (kind === 'state' ? state.live(key) : cached(key))
  const put = (key: string, value: string, ttlMs: number, kind: StoreKind): void => {
    if (kind === 'state') state.put(key, value, ttlMs)
    else cache.set(key, { value, expiresAt: now() + ttlMs })
  }
  const remove = (key: string, kind: StoreKind): void => {
    if (kind === 'state') state.delete(key)
    else cache.delete(key)
  }
  return {
    async get(key, kind) {
      return find(key, kind)?.value
    },
    async set(key, value, ttlMs, kind) {
      if (ttlMs <= 0) remove(key, kind)
      else put(key, value, ttlMs, kind)
    },
    async setIfAbsent(key, value, ttlMs, kind) {
      if (find(key, kind) !== undefined) return false
      if (ttlMs > 0) put(key, value, ttlMs, kind)
      return true
    },
    async delete(key, kind) {
      remove(key, kind)
    },
  }
}
