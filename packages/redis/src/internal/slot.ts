/** Number of hash slots of a Redis Cluster. */
export const SLOTS = 16384

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the checksum Redis Cluster uses. */
function crc16(bytes: Uint8Array): number {
  let crc = 0
  for (const byte of bytes) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    }
  }
  return crc
}

const utf8 = new TextEncoder()

/**
 * The Redis Cluster hash slot of `key`: CRC16 of the key modulo 16384, or of its hash tag, the
 * part between the first `{` and the next `}` when that part is not empty.
 */
export function keySlot(key: string): number {
  let hashed = key
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) hashed = key.slice(open + 1, close)
  }
  return crc16(utf8.encode(hashed)) % SLOTS
}
