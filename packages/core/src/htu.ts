/**
 * The HTTP target URI a DPoP proof's `htu` claim is compared with (RFC 9449 §4.3 check 9): both
 * sides without query and fragment, after RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based
 * normalisation (lower-case scheme and host, default port removed, empty path as `/`, dot-segments
 * resolved, percent-encoding of unreserved characters decoded and hex digits upper-cased).
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/

/** RFC 3986 §6.2.2.1–2: `%7e` → `~`, `%2f` → `%2F`. */
function normalizePercentEncoding(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

/**
 * Normalises an absolute `http:`/`https:` URI for comparison as a DPoP `htu`: scheme, host, port
 * and path only. Returns undefined for anything that is not an absolute HTTP(S) URI, or that
 * carries userinfo.
 */
export function normalizeHtu(uri: string): string | undefined {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  // WHATWG URL parsing already lower-cases scheme and host, drops the default port, resolves dot
  // segments and turns an empty path into `/`.
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`
}

/**
 * Checks a configured public origin (`https://api.example.com`): an absolute `http:`/`https:` URL
 * with nothing after the authority. Returns the origin, or a message describing the problem.
 */
export function parsePublicOrigin(value: unknown): { origin: string } | { problem: string } {
  if (typeof value !== 'string' || value === '') {
    return { problem: 'must be an origin string such as "https://api.example.com"' }
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { problem: `is not a valid URL: ${JSON.stringify(value)}` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `must be an http: or https: origin, got ${JSON.stringify(value)}` }
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    /[?#]/.test(value)
  ) {
    return {
      problem: `must be an origin only (scheme, host and port, no path, query or fragment), got ${JSON.stringify(value)}`,
    }
  }
  return { origin: url.origin }
}
