import type { Store } from './store.js'
import { base64url } from './token-hash.js'

/** Server-provided DPoP nonces (RFC 9449 §9). */
export interface DpopNonceOptions {
  /**
   * The secret nonces are derived from (HMAC-SHA-256 of the time step), at least 32 bytes. Every
   * instance given the same secret accepts the others' nonces without any shared state. Without it,
   * each time step's nonce is a random value kept in the resource server's `store`, so instances
   * sharing a store (e.g. `@scopeguard/redis`) share nonces.
   */
  secret?: string | Uint8Array
  /**
   * How often the nonce changes, in seconds. A nonce is accepted during its own period and the
   * next one (and, with a secret, the previous one, for clocks that differ between instances).
   * @default 60
   */
  rotationSeconds?: number
}

/** Issues and checks nonces. */
export interface DpopNonces {
  /** The nonce to hand out now. */
  current(): Promise<string>
  /** Whether a nonce from a proof is currently valid. */
  isValid(nonce: string): Promise<boolean>
}

const encoder = new TextEncoder()
const NONCE_SYNTAX = /^[A-Za-z0-9_-]{16,128}$/

/** Compares two strings in time independent of where they differ. */
function equal(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * Creates the nonce source: stateless HMAC nonces with a `secret`, else random per-period nonces
 * kept in `store` under `dpop:v1:nonce:<period>`. Store failures propagate (the caller fails
 * closed).
 */
export function createDpopNonces(
  options: DpopNonceOptions,
  store: Store,
  now: () => number,
): DpopNonces {
  const periodMs = (options.rotationSeconds ?? 60) * 1000
  const period = (): number => Math.floor(now() / periodMs)
  const secret = options.secret
  if (secret !== undefined) {
    const keyBytes = typeof secret === 'string' ? encoder.encode(secret) : secret
    const key = crypto.subtle.importKey(
      'raw',
      keyBytes as Uint8Array<ArrayBuffer>,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const derive = async (step: number): Promise<string> => {
      const mac = await crypto.subtle.sign(
        'HMAC',
        await key,
        encoder.encode(`scopeguard dpop nonce v1 ${step}`),
      )
      return base64url(new Uint8Array(mac))
    }
    return {
      current: () => derive(period()),
      async isValid(nonce) {
        if (!NONCE_SYNTAX.test(nonce)) return false
        const step = period()
        for (const candidate of [step, step - 1, step + 1]) {
          if (equal(nonce, await derive(candidate))) return true
        }
        return false
      },
    }
  }

  // A period's value never changes once stored, so it is remembered here after the first read.
  const known = new Map<number, string>()
  const storeKey = (step: number): string => `dpop:v1:nonce:${step}`
  const ttl = 3 * periodMs

  async function read(step: number): Promise<string | undefined> {
    const cached = known.get(step)
    if (cached !== undefined) return cached
    const value = await store.get(storeKey(step), 'state')
    if (value !== undefined) remember(step, value)
    return value
  }

  function remember(step: number, value: string): void {
    known.set(step, value)
    for (const old of known.keys()) if (old < step - 2) known.delete(old)
  }

  return {
    async current() {
      const step = period()
      const existing = await read(step)
      if (existing !== undefined) return existing
      const fresh = base64url(crypto.getRandomValues(new Uint8Array(24)))
      if (await store.setIfAbsent(storeKey(step), fresh, ttl, 'state')) {
        remember(step, fresh)
        return fresh
      }
      // Another instance stored this period's nonce first: use theirs.
      const winner = await read(step)
      if (winner === undefined) throw new Error('the store lost the DPoP nonce it just refused')
      return winner
    },
    async isValid(nonce) {
      if (!NONCE_SYNTAX.test(nonce)) return false
      const step = period()
      for (const candidate of [step, step - 1]) {
        const value = await read(candidate)
        if (value !== undefined && equal(nonce, value)) return true
      }
      return false
    },
  }
}
