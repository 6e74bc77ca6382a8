import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose'

/** A DPoP client key pair (RFC 9449), making proofs as a real client would. */
export interface DpopClient {
  /** The RFC 7638 thumbprint, for the token's `cnf.jkt`. */
  jkt: string
  /** A new proof (fresh `jti`) for one request with `token`, optionally with a server nonce. */
  proof(method: string, htu: string, token: string, nonce?: string): Promise<string>
  /** `Authorization: DPoP <token>` and `DPoP: <proof>`. */
  headers(token: string, proof: string): Record<string, string>
}

export async function createDpopClient(): Promise<DpopClient> {
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
    headers: (token, proof) => ({ authorization: `DPoP ${token}`, dpop: proof }),
  }
}
