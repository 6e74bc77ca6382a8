/**
 * Which addresses an upstream request must not reach when private networks are refused: every
 * IPv4 and IPv6 range that is not globally reachable (IANA special-purpose registries).
 */

type Range = readonly [base: number, prefix: number, kind: string]

const IPV4_RANGES: readonly Range[] = [
  [ipv4(0, 0, 0, 0), 8, 'unspecified'],
  [ipv4(10, 0, 0, 0), 8, 'private'],
  [ipv4(100, 64, 0, 0), 10, 'shared (CGNAT)'],
  [ipv4(127, 0, 0, 0), 8, 'loopback'],
  [ipv4(169, 254, 0, 0), 16, 'link-local'],
  [ipv4(172, 16, 0, 0), 12, 'private'],
  [ipv4(192, 0, 0, 0), 24, 'special-purpose'],
  [ipv4(192, 0, 2, 0), 24, 'documentation'],
  [ipv4(192, 88, 99, 0), 24, 'special-purpose'],
  [ipv4(192, 168, 0, 0), 16, 'private'],
  [ipv4(198, 18, 0, 0), 15, 'benchmarking'],
  [ipv4(198, 51, 100, 0), 24, 'documentation'],
  [ipv4(203, 0, 113, 0), 24, 'documentation'],
  [ipv4(224, 0, 0, 0), 4, 'multicast'],
  [ipv4(240, 0, 0, 0), 4, 'reserved'],
]

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0
}

function parseIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (match === null) return undefined
  const parts = match.slice(1).map(Number)
  if (parts.some((part) => part > 255)) return undefined
  const [a, b, c, d] = parts as [number, number, number, number]
  return ipv4(a, b, c, d)
}

/** Eight 16-bit groups, or undefined when `text` is not an IPv6 address. */
function parseIpv6(text: string): number[] | undefined {
  let rest = text.toLowerCase()
  const zone = rest.indexOf('%')
  if (zone !== -1) rest = rest.slice(0, zone)
  const lastColon = rest.lastIndexOf(':')
  if (lastColon !== -1 && rest.includes('.', lastColon)) {
    // a dotted-quad tail (`::ffff:127.0.0.1`) is two groups
    const v4 = parseIpv4(rest.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    rest = `${rest.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const halves = rest.split('::')
  if (halves.length > 2) return undefined
  const groups = (half: string): number[] | undefined => {
    if (half === '') return []
    const out: number[] = []
    for (const group of half.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(group)) return undefined
      out.push(parseInt(group, 16))
    }
    return out
  }
  const head = groups(halves[0] as string)
  const back = halves.length === 2 ? groups(halves[1] as string) : []
  if (head === undefined || back === undefined) return undefined
  const missing = 8 - head.length - back.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  return [...head, ...new Array<number>(missing).fill(0), ...back]
}

function ipv4Kind(address: number): string | undefined {
  for (const [base, prefix, kind] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
    if ((address & mask) >>> 0 === base) return kind
  }
  return undefined
}

function ipv6Kind(g: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const embedded = ((g6 << 16) | g7) >>> 0
  const zeroTo4 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0
  if (zeroTo4 && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified'
  if (zeroTo4 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback'
  // IPv4-mapped (::ffff:0:0/96) and NAT64 (64:ff9b::/96) reach the embedded IPv4 address.
  if (zeroTo4 && g5 === 0xffff) return ipv4Kind(embedded)
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return ipv4Kind(embedded)
  }
  // 6to4 (2002::/16) carries an IPv4 address in its second and third groups.
  if (g0 === 0x2002) return ipv4Kind(((g1 << 16) | g2) >>> 0)
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation'
  if (g0 === 0x2001 && g1 < 0x200) return 'special-purpose'
  if (g0 === 0x3fff && g1 < 0x1000) return 'documentation'
  if ((g0 & 0xfe00) === 0xfc00) return 'private (unique local)'
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'
  if ((g0 & 0xff00) === 0xff00) return 'multicast'
  // Only 2000::/3 is global unicast; everything else is reserved or special.
  if ((g0 & 0xe000) !== 0x2000) return 'reserved'
  return undefined
}

/**
 * The kind of a special address (`loopback`, `private`, `link-local`, …), or undefined for a
 * globally reachable one. Accepts IPv4 dotted quads and IPv6 (optionally in brackets).
 * @throws TypeError for a string that is not an IP address.
 */
export function specialAddressKind(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  const v4 = parseIpv4(bare)
  if (v4 !== undefined) return ipv4Kind(v4)
  const v6 = parseIpv6(bare)
  if (v6 !== undefined) return ipv6Kind(v6)
  throw new TypeError(`${JSON.stringify(address)} is not an IP address`)
}

/** Whether a URL host is an IP literal (IPv4 dotted quad or bracketed IPv6, as URL spells them). */
export function isIpLiteral(hostname: string): boolean {
  if (hostname.startsWith('[')) return true
  return parseIpv4(hostname) !== undefined
}

/** `localhost` and names under `.localhost` (RFC 6761), with or without the final dot. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

/** Resolves a host name to addresses; undefined when the runtime cannot resolve names. */
export type HostResolver = (hostname: string) => Promise<readonly string[] | undefined>

/**
 * Why a URL's host must not be contacted when private networks are refused, or undefined: its IP
 * literal, its `localhost`-like name, or any address it resolves to (when `resolve` can resolve
 * names on this runtime) is special. A name that does not resolve is refused too.
 */
export async function privateNetworkProblem(
  url: URL,
  resolve: HostResolver,
): Promise<string | undefined> {
  const host = url.hostname
  if (isIpLiteral(host)) {
    const kind = specialAddressKind(host)
    return kind === undefined ? undefined : `its host ${host} is a ${kind} address`
  }
  if (host === '' || isLocalhostName(host)) return `its host ${host || '(none)'} is loopback`
  let addresses: readonly string[] | undefined
  try {
    addresses = await resolve(host)
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code
    return `its host ${host} does not resolve${typeof code === 'string' ? ` (${code})` : ''}`
  }
  if (addresses === undefined) return undefined
  if (addresses.length === 0) return `its host ${host} does not resolve`
  for (const address of addresses) {
    let kind: string | undefined
    try {
      kind = specialAddressKind(address)
    } catch {
      return `its host ${host} resolves to something that is not an IP address`
    }
    if (kind !== undefined) return `its host ${host} resolves to ${address}, a ${kind} address`
  }
  return undefined
}
