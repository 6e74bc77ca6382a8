/** Pure helpers for showing tokens without flooding the terminal. */

const JWT_SHAPE = /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/

export const looksLikeJwt = (value: string): boolean => JWT_SHAPE.test(value)

/** `eyJhbGciOi…(812 chars)`; values of at most `keep + 12` characters are returned unchanged. */
export function shortenToken(token: string, keep = 10): string {
  return token.length <= keep + 12 ? token : `${token.slice(0, keep)}…(${token.length} chars)`
}

/** Shortens the credentials of an `Authorization` header value, keeping the scheme. */
export function shortenAuthorization(value: string): string {
  const space = value.indexOf(' ')
  return space < 0
    ? shortenToken(value)
    : `${value.slice(0, space)} ${shortenToken(value.slice(space + 1))}`
}

export interface DecodedJwt {
  readonly header: Record<string, unknown>
  readonly payload: Record<string, unknown>
}

const decodePart = (part: string | undefined): Record<string, unknown> => {
  const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'))
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('JWT part is not a JSON object')
  }
  return value as Record<string, unknown>
}

/** Decodes a JWS compact serialization's header and payload (the signature is not checked). */
export function decodeJwt(token: string): DecodedJwt {
  const [header, payload, signature, ...rest] = token.split('.')
  if (signature === undefined || rest.length > 0) throw new TypeError('not a JWS compact token')
  return { header: decodePart(header), payload: decodePart(payload) }
}

/**
 * Flips one character in the middle of the signature. The middle, not the end: the last base64url
 * character carries padding bits, so changing it may leave the decoded signature unchanged.
 */
export function tamperSignature(token: string): string {
  const signatureStart = token.lastIndexOf('.') + 1
  const signatureLength = token.length - signatureStart
  if (signatureStart === 0 || signatureLength < 2) throw new TypeError('token has no signature')
  const index = signatureStart + Math.floor(signatureLength / 2)
  const flipped = token[index] === 'A' ? 'B' : 'A'
  return `${token.slice(0, index)}${flipped}${token.slice(index + 1)}`
}

/** Pretty JSON with every JWT-looking or very long string value shortened. */
export function formatJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      typeof v === 'string' && (looksLikeJwt(v) || v.length > 120) ? shortenToken(v) : v,
    2,
  )
}
