/** Encodes bytes or a UTF-8 string as unpadded base64url. */
export function base64url(input: Uint8Array | string): string {
  return Buffer.from(input).toString('base64url')
}
