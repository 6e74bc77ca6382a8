/**
 * Format of stored values, version 1: the marker `1:` followed by the caller's string. A value
 * without the marker (written by an older or newer format, or by someone else) reads as absent.
 */
const V1 = '1:'

/** The stored form of a value. */
export function encodeValue(value: string): string {
  return V1 + value
}

/** The caller's value, or undefined for an entry in another format. */
export function decodeValue(stored: unknown): string | undefined {
  return typeof stored === 'string' && stored.startsWith(V1) ? stored.slice(V1.length) : undefined
}

/**
 * A TTL for `PX`: whole milliseconds, at least 1 (a fractional TTL is rounded up so an entry never
 * lives shorter than asked).
 */
export function pxMilliseconds(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs))
}
