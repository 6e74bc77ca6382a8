import { LRUCache } from 'lru-cache'
import type { Store } from './store.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the least recently used are evicted beyond it. @default 10000 */
  maxEntries?: number
  /** Clock in milliseconds (for tests). @default Date.now */
  now?: () => number
}

/**
 * An in-process {@link Store}: a bounded LRU (lru-cache) whose entries expire after their TTL.
 * The default store; for several instances behind a load balancer use a shared store.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now
  const cache = new LRUCache<string, { value: string; expiresAt: number }>({
    max: options.maxEntries ?? 10_000,
  })
  const live = (key: string): string | undefined => {
    const entry = cache.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now()) {
      cache.delete(key)
      return undefined
    }
    return entry.value
  }
  return {
    async get(key) {
      return live(key)
    },
    async set(key, value, ttlMs) {
      if (ttlMs <= 0) cache.delete(key)
      else cache.set(key, { value, expiresAt: now() + ttlMs })
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key) !== undefined) return false
      if (ttlMs > 0) cache.set(key, { value, expiresAt: now() + ttlMs })
      return true
    },
    async delete(key) {
      cache.delete(key)
    },
  }
}
