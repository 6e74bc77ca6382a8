/**
 * The synchronous signature primitives a runtime may offer (`node:crypto` on Node.js). The
 * `#platform/signature` import resolves to them on Node and to `undefined` elsewhere, where
 * tokens keep being verified through Web Crypto (jose). Nothing here imports `node:` modules.
 */

/** A public key (or HMAC secret) imported once for {@link NativeSignatures.verify}. */
export interface NativeKey {
  /** What the key is: `rsa`, `ec`, `ed25519`, … or `secret`. */
  readonly type: string
  /** The modulus length of an RSA key in bits; undefined for other keys. */
  readonly modulusLength: number | undefined
  /** The curve of an EC key (`P-256`, `P-384`, `P-521`); undefined for other keys. */
  readonly curve: string | undefined
}

/** Synchronous signature primitives, each with Web Crypto's semantics for the same input. */
export interface NativeSignatures {
  /**
   * Imports a public JWK of the shape Web Crypto's JWK import accepts for a JWS algorithm
   * (`kty`/`crv` already matched by the caller; `alg`, `use`, `ext` not looked at).
   * @throws when Web Crypto would refuse the key data
   */
  importJwk(jwk: Readonly<Record<string, unknown>>): NativeKey
  /** Imports DER SubjectPublicKeyInfo bytes. @throws when they are not a public key */
  importSpki(der: Uint8Array): NativeKey
  /** Wraps an HMAC secret. */
  importSecret(secret: Uint8Array): NativeKey
  /**
   * Checks a JWS signature over `data` with `key` for `alg` (RS*, PS*, ES*, EdDSA, Ed25519, HS*).
   * The key must fit the algorithm (the caller checks). Never throws: a signature that cannot be
   * checked is `false`.
   */
  verify(alg: string, key: NativeKey, data: Uint8Array, signature: Uint8Array): boolean
  /**
   * Decodes base64url exactly as jose does on runtimes without `Uint8Array.fromBase64`: `+` and
   * `/` refused, then forgiving base64 (ASCII whitespace skipped, `=` padding allowed).
   * @throws TypeError on anything else
   */
  base64url(value: string): Uint8Array
  /** The bytes of a string known to be ASCII. */
  ascii(value: string): Uint8Array
  /** Decodes UTF-8 as `new TextDecoder('utf-8', { fatal: true })` does (a BOM is dropped). */
  utf8(bytes: Uint8Array): string
  /** SHA-256 of a string's UTF-8 bytes, base64url-encoded. */
  sha256(value: string): string
}
