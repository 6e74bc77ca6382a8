const encoder = new TextEncoder()

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * The SHA-256 of a token, base64url-encoded: the only form in which tokens are used as cache or
 * store keys, or logged.
 */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(token))
  return base64url(new Uint8Array(digest))
}
