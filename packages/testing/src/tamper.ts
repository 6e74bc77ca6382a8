const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * Returns `token` with the first character of its signature changed to another base64url
 * character. The first character carries six signature bits (the last may carry only padding
 * bits), so the decoded signature always differs and verification must fail.
 *
 * @throws TypeError if `token` is not a three-part compact JWS with a non-empty signature.
 */
export function tamper(token: string): string {
  const parts = token.split('.')
  const signature = parts[2]
  if (parts.length !== 3 || !signature) {
    throw new TypeError('tamper() needs a compact JWS with a non-empty signature')
  }
  const index = ALPHABET.indexOf(signature.charAt(0))
  if (index === -1) throw new TypeError('The signature is not base64url')
  const flipped = ALPHABET.charAt(index ^ 1)
  return `${parts[0]}.${parts[1]}.${flipped}${signature.slice(1)}`
}
