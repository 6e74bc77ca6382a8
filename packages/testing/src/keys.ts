import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'

const generateKeyPairAsync = promisify(generateKeyPair)

/** Signing algorithms for which every test issuer holds and publishes a key. */
export type TestAlgorithm = 'RS256' | 'ES256' | 'EdDSA'

/** Algorithms a test issuer can hold a key for (ES384 keys are made on demand). */
export type KeyAlgorithm = TestAlgorithm | 'ES384'

/** The algorithms a test issuer publishes a key for at start, in JWKS order. */
export const TEST_ALGORITHMS: readonly TestAlgorithm[] = ['RS256', 'ES256', 'EdDSA']

/** A key pair held by a test issuer or made by {@link generateTestKey}. */
export interface TestKey {
  readonly kid: string
  readonly alg: KeyAlgorithm
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** Public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: Record<string, unknown>
}

/** A fresh key pair from {@link generateTestKey}. */
export interface GeneratedTestKey {
  /** Private key, usable as `SignOptions.privateKey`. */
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** Public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly publicJwk: Record<string, unknown>
  readonly kid: string
}

/** Makes a random key id (16 random bytes, base64url). */
export function randomKid(): string {
  return randomBytes(16).toString('base64url')
}

async function generatePair(
  alg: KeyAlgorithm,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (alg) {
    case 'RS256':
      return generateKeyPairAsync('rsa', { modulusLength: 2048 })
    case 'ES256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' })
    case 'ES384':
      return generateKeyPairAsync('ec', { namedCurve: 'P-384' })
    case 'EdDSA':
      return generateKeyPairAsync('ed25519')
    default:
      throw new TypeError(`Unsupported key algorithm: ${String(alg)}`)
  }
}

/** Generates a key pair for `alg` (RSA 2048, P-256, P-384 or Ed25519) with a random kid. */
export async function createTestKey(alg: KeyAlgorithm): Promise<TestKey> {
  const { privateKey, publicKey } = await generatePair(alg)
  const kid = randomKid()
  const publicJwk: Record<string, unknown> = {
    ...publicKey.export({ format: 'jwk' }),
    kid,
    alg,
    use: 'sig',
  }
  return { kid, alg, privateKey, publicKey, publicJwk }
}

/**
 * Generates a fresh key pair that belongs to no issuer, for attacker-key tests: sign with
 * `issuer.sign(claims, { privateKey })` and the verifier must reject the token.
 *
 * @example
 * ```ts
 * const attacker = await generateTestKey('RS256')
 * const token = await issuer.sign({}, { privateKey: attacker.privateKey })
 * ```
 */
export async function generateTestKey(alg: TestAlgorithm): Promise<GeneratedTestKey> {
  const { privateKey, publicKey, publicJwk, kid } = await createTestKey(alg)
  return { privateKey, publicKey, publicJwk: { ...publicJwk }, kid }
}
