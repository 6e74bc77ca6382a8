import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'

/** Algorithms {@link createTestDpopKey} can make a key for. */
export type TestDpopAlgorithm = 'ES256' | 'RS256' | 'EdDSA'

/** Options of {@link createTestDpopKey}. */
export interface TestDpopKeyOptions {
  /** The proof signing algorithm (EdDSA uses an Ed25519 key). @default 'ES256' */
  algorithm?: TestDpopAlgorithm
}

/** A DPoP client key pair (RFC 9449), making proofs the way a client makes them. */
export interface TestDpopKey {
  readonly algorithm: TestDpopAlgorithm
  /** The public key as put in every proof's `jwk` header. */
  readonly publicJwk: JWK
  /** The key's RFC 7638 SHA-256 thumbprint, for a bound token's `cnf.jkt`. */
  readonly jkt: string
  /**
   * A fresh proof (new `jti`, `iat` now) for a request `method` to `htu`: with `ath` when an
   * access token is given, and `nonce` when the server handed one out.
   */
  proof(method: string, htu: string, accessToken?: string, nonce?: string): Promise<string>
  /** The request headers for a DPoP-bound token: `authorization: DPoP <token>` and `dpop`. */
  headers(accessToken: string, proof: string): { authorization: string; dpop: string }
}

/**
 * Makes a DPoP key pair for tests. Its proofs are real, signed JWTs (`typ: dpop+jwt`, the public
 * key in the `jwk` header) that a resource server verifies like any client's:
 *
 * ```ts
 * const key = await createTestDpopKey()
 * const token = await issuer.sign({ cnf: { jkt: key.jkt } })
 * const proof = await key.proof('GET', 'https://api.example.test/files', token)
 * await fetch(url, { headers: key.headers(token, proof) })
 * ```
 */
export async function createTestDpopKey(options: TestDpopKeyOptions = {}): Promise<TestDpopKey> {
  const algorithm = options.algorithm ?? 'ES256'
  if (algorithm !== 'ES256' && algorithm !== 'RS256' && algorithm !== 'EdDSA') {
    throw new TypeError(`createTestDpopKey(): unsupported algorithm ${JSON.stringify(algorithm)}`)
  }
  const { privateKey, publicKey } = await generateKeyPair(algorithm, {
    ...(algorithm === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  })
  const publicJwk: JWK = Object.freeze(await exportJWK(publicKey))
  return {
    algorithm,
    publicJwk,
    jkt: await calculateJwkThumbprint(publicJwk, 'sha256'),
    proof: (method, htu, accessToken, nonce) =>
      new SignJWT({
        htm: method,
        htu,
        ...(accessToken === undefined
          ? {}
          : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
        jti: randomUUID(),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ alg: algorithm, typ: 'dpop+jwt', jwk: publicJwk })
        .setIssuedAt()
        .sign(privateKey),
    headers: (accessToken, proof) => ({ authorization: `DPoP ${accessToken}`, dpop: proof }),
  }
}
