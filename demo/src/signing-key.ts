import { generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto'

/** A fresh RS256 private signing key as a JWK, generated at every start. */
export function generateSigningKey(): JsonWebKey & { kid: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }
}
