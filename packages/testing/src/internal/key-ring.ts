import { createTestKey, TEST_ALGORITHMS, type KeyAlgorithm, type TestKey } from '../keys.js'

/**
 * The keys of one test issuer: every key it ever made (by kid), the published subset in JWKS
 * order, and the current signing key per algorithm.
 */
export class KeyRing {
  readonly #all = new Map<string, TestKey>()
  readonly #published: string[] = []
  readonly #current = new Map<KeyAlgorithm, TestKey>()
  readonly #pending = new Map<KeyAlgorithm, Promise<TestKey>>()

  /** Creates a ring holding one published RS256, ES256 and EdDSA key. */
  static async create(): Promise<KeyRing> {
    const ring = new KeyRing()
    const keys = await Promise.all(TEST_ALGORITHMS.map((alg) => createTestKey(alg)))
    for (const key of keys) ring.#add(key, true)
    return ring
  }

  #add(key: TestKey, publish: boolean): void {
    this.#all.set(key.kid, key)
    this.#current.set(key.alg, key)
    if (publish) this.#published.push(key.kid)
  }

  /** The current signing key for `alg`, made (unpublished) on first use if there is none. */
  async current(alg: KeyAlgorithm): Promise<TestKey> {
    const existing = this.#current.get(alg)
    if (existing) return existing
    let pending = this.#pending.get(alg)
    if (!pending) {
      pending = createTestKey(alg).then((key) => {
        this.#add(key, false)
        this.#pending.delete(alg)
        return key
      })
      this.#pending.set(alg, pending)
    }
    return pending
  }

  /** The current signing key for `alg`; throws if the ring has none. */
  currentSync(alg: KeyAlgorithm): TestKey {
    const key = this.#current.get(alg)
    if (!key) throw new TypeError(`The test issuer has no ${alg} key`)
    return key
  }

  /** Makes a new published key for `alg` and makes it the signing key. */
  async rotate(alg: KeyAlgorithm): Promise<TestKey> {
    const key = await createTestKey(alg)
    this.#add(key, true)
    return key
  }

  /** Any key this ring ever held, published or not. */
  get(kid: string): TestKey | undefined {
    return this.#all.get(kid)
  }

  /** Every key this ring ever held, published or not, oldest first. */
  held(): TestKey[] {
    return [...this.#all.values()]
  }

  /** Adds a held key to the JWKS (no-op if already published). */
  publish(kid: string): void {
    if (this.#all.has(kid) && !this.#published.includes(kid)) this.#published.push(kid)
  }

  /** Removes a key from the JWKS; returns false if it was not published. */
  unpublish(kid: string): boolean {
    const index = this.#published.indexOf(kid)
    if (index === -1) return false
    this.#published.splice(index, 1)
    return true
  }

  /** The published public JWKS (fresh copies). */
  jwks(): { keys: Record<string, unknown>[] } {
    return {
      keys: this.#published.flatMap((kid) => {
        const key = this.#all.get(kid)
        return key ? [{ ...key.publicJwk }] : []
      }),
    }
  }
}
