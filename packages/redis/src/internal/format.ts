import type { StoreKind } from '@scopeguard/core'

/**
 * Format of stored values, version 1: the marker `1:` followed by the caller's string. A value
 * without the marker was written in another format (an older or newer version, or someone else).
 */
const V1 = '1:'

/**
 * What {@link decodeValue} answers for a `state` entry in another format: the entry counts as
 * present (a denylist entry stays a revocation, a replay marker stays a replay), but its value is
 * unknown. It can never pass as a DPoP nonce (the core only accepts `[A-Za-z0-9_-]{16,128}`).
 */
export const UNREADABLE_STATE = '!unreadable'

/** The stored form of a value. */
export function encodeValue(value: string): string {
  return V1 + value
}

/**
 * The caller's value. An entry in another format reads as absent when it is a `cache` entry
 * (a miss costs a refetch) and as present ({@link UNREADABLE_STATE}) when it is `state`, so that a
 * format the store does not know can never turn a revocation or replay marker into "absent".
 */
export function decodeValue(stored: unknown, kind: StoreKind): string | undefined {
  if (stored === null || stored === undefined) return undefined
  if (typeof stored === 'string' && stored.startsWith(V1)) return stored.slice(V1.length)
  return kind === 'state' ? UNREADABLE_STATE : undefined
}

/**
 * A TTL for `PX`: whole milliseconds, at least 1 (a fractional TTL is rounded up so an entry never
 * lives shorter than asked).
 */
export function pxMilliseconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs))
}
