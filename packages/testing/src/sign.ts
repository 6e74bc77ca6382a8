import { KeyObject, type webcrypto } from 'node:crypto'
import { buildClaims, type ClaimDefaults } from './claims.js'
import { encodeJws } from './internal/jws.js'
import type { KeyRing } from './internal/key-ring.js'
import type { KeyAlgorithm, TestAlgorithm } from './keys.js'

/** Every `alg` the test issuer can sign with. */
export type SignAlgorithm =
  TestAlgorithm | 'none' | 'HS256' | 'HS384' | 'HS512' | 'RS384' | 'PS256' | 'ES384'

/** Options for `TestIssuer.sign`. */
export interface SignOptions {
  /**
   * Signing algorithm. RS384 and PS256 use the issuer's RSA key; ES384 uses a P-384 key made on
   * first use and not published unless `publish: true`; HS* need `secret`; `none` gives an empty
   * signature.
   *
   * @default the issuer's `algorithm` (or, with `privateKey`, the key's own algorithm)
   */
  alg?: SignAlgorithm
  /**
   * `kid` header. `null` omits it.
   *
   * @default the kid of the issuer key for `alg` (for HS* and `none`: of the issuer's default
   *   algorithm key), also when signing with `privateKey`
   */
  kid?: string | null
  /**
   * `typ` header. `null` omits it.
   *
   * @default 'at+jwt'
   */
  typ?: string | null
  /**
   * Extra protected header parameters (`crit`, `jku`, `jwk`, ...). They override `alg`, `typ`
   * and `kid` (the signature still uses `alg` from the options); `undefined` removes one.
   */
  header?: Record<string, unknown>
  /** HMAC key for HS256/HS384/HS512, e.g. `issuer.publicKeyPem()` for key-confusion tests. */
  secret?: Uint8Array | string
  /** Sign with this key instead of the issuer's (attacker-key tests). */
  privateKey?: webcrypto.CryptoKey | KeyObject
  /** Sign with the issuer key that has this kid, even if it was rotated out or removed. */
  keyId?: string
  /** Add the issuer key used to the JWKS if it is not published (an ES384 key, a removed key). */
  publish?: boolean
  /**
   * Whether to add the default claims (iss, sub, aud, client_id, iat, exp, jti).
   *
   * @default true
   */
  defaults?: boolean
  /** Sets the `scope` claim; an array is joined with spaces. */
  scope?: string | string[]
  /**
   * Seconds from now for `exp`; may be negative for expired tokens.
   *
   * @default the issuer's `tokenLifetime`
   */
  expiresIn?: number
  /** Exact JSON payload text (malformed or duplicate-key tests); the claims are then ignored. */
  rawPayload?: string
}

/** What `signAccessToken` needs from its issuer. */
export interface SignContext extends ClaimDefaults {
  readonly algorithm: TestAlgorithm
  readonly keys: KeyRing
}

const KEY_FAMILY: Partial<Record<SignAlgorithm, KeyAlgorithm>> = {
  RS256: 'RS256',
  RS384: 'RS256',
  PS256: 'RS256',
  ES256: 'ES256',
  ES384: 'ES384',
  EdDSA: 'EdDSA',
}

function algorithmOf(key: KeyObject, fallback: SignAlgorithm): SignAlgorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256'
    case 'rsa-pss':
      return 'PS256'
    case 'ed25519':
      return 'EdDSA'
    case 'ec':
      return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256'
    default:
      return fallback
  }
}

/** Signs a compact JWS access token for a test issuer (see `TestIssuer.sign`). */
export async function signAccessToken(
  context: SignContext,
  claims: Record<string, unknown> = {},
  options: SignOptions = {},
): Promise<string> {
  if (options.privateKey !== undefined && options.keyId !== undefined) {
    throw new TypeError('SignOptions.privateKey and SignOptions.keyId are mutually exclusive')
  }
  const foreignKey =
    options.privateKey === undefined || options.privateKey instanceof KeyObject
      ? options.privateKey
      : KeyObject.from(options.privateKey)
  const heldKey = options.keyId === undefined ? undefined : context.keys.get(options.keyId)
  if (options.keyId !== undefined && !heldKey) {
    throw new TypeError(`The test issuer has no key with kid ${JSON.stringify(options.keyId)}`)
  }
  const alg =
    options.alg ??
    heldKey?.alg ??
    (foreignKey ? algorithmOf(foreignKey, context.algorithm) : context.algorithm)
  const issuerKey = heldKey ?? (await context.keys.current(KEY_FAMILY[alg] ?? context.algorithm))
  if (options.publish && !foreignKey) context.keys.publish(issuerKey.kid)

  const header: Record<string, unknown> = { alg }
  const typ = options.typ === undefined ? 'at+jwt' : options.typ
  if (typ !== null) header.typ = typ
  const kid = options.kid === undefined ? issuerKey.kid : options.kid
  if (kid !== null) header.kid = kid
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (value === undefined) delete header[name]
    else header[name] = value
  }

  const payload = options.rawPayload ?? JSON.stringify(buildClaims(context, claims, options))
  return encodeJws(header, payload, alg, foreignKey ?? issuerKey.privateKey, options.secret)
}
