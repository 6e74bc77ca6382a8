// DPoP proofs (RFC 9449) made the way a client makes them, for the tests of DPoP state in Redis.
import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'

export interface DpopKey {
  /** The key's RFC 7638 thumbprint, for the token's `cnf.jkt`. */
  jkt: string
  /** A fresh proof for `method` `htu` with `token`, optionally carrying a server nonce. */
  proof(method: string, htu: string, token: string, nonce?: string): Promise<string>
}

export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = await exportJWK(publicKey)
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (method, htu, token, nonce) =>
      new SignJWT({
        htm: method,
        htu,
        ath: createHash('sha256').update(token).digest('base64url'),
        jti: randomUUID(),
        ...(nonce === undefined ? {} : { nonce }),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(privateKey),
  }
}
