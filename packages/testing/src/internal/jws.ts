import { constants, createHmac, sign, type KeyObject } from 'node:crypto'
import type { SignAlgorithm } from '../sign.js'
import { base64url } from './base64url.js'

const HMAC_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

function isHmac(alg: SignAlgorithm): alg is keyof typeof HMAC_HASH {
  return alg in HMAC_HASH
}

function signature(
  alg: SignAlgorithm,
  input: Buffer,
  key: KeyObject | undefined,
  secret: Uint8Array | string | undefined,
): Buffer {
  if (alg === 'none') return Buffer.alloc(0)
  if (isHmac(alg)) {
    if (secret === undefined) throw new TypeError(`${alg} needs SignOptions.secret`)
    return createHmac(HMAC_HASH[alg], secret).update(input).digest()
  }
  if (!key) throw new TypeError(`${alg} needs a private key`)
  switch (alg) {
    case 'RS256':
      return sign('sha256', input, key)
    case 'RS384':
      return sign('sha384', input, key)
    case 'PS256':
      return sign('sha256', input, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      })
    case 'ES256':
      return sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' })
    case 'ES384':
      return sign('sha384', input, { key, dsaEncoding: 'ieee-p1363' })
    case 'EdDSA':
      return sign(null, input, key)
    default:
      throw new TypeError(`Unsupported signing algorithm: ${String(alg)}`)
  }
}

/**
 * Builds a compact JWS. The signature is computed with `alg` whatever the header says, so a
 * header may claim another `alg` (or none at all); `none` yields an empty signature.
 */
export function encodeJws(
  header: Record<string, unknown>,
  payload: string,
  alg: SignAlgorithm,
  key: KeyObject | undefined,
  secret: Uint8Array | string | undefined,
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(payload)}`
  return `${input}.${base64url(signature(alg, Buffer.from(input, 'ascii'), key, secret))}`
}
