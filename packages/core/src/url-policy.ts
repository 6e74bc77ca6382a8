/**
 * Whether a URL's host is a loopback address (`localhost`, `127.0.0.0/8`, `[::1]`), where plain
 * `http://` cannot be intercepted on the network.
 */
export function isLoopback(url: URL): boolean {
  const host = url.hostname
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(host)
  )
}

/**
 * Checks that a URL may be fetched for keys or metadata: `https:`, or `http:` on loopback, or any
 * `http:` when `allowInsecureHttp` is set. Returns a message describing the problem, or undefined.
 */
export function insecureUrlProblem(url: URL, allowInsecureHttp: boolean): string | undefined {
  if (url.protocol === 'https:') return undefined
  if (url.protocol === 'http:' && (allowInsecureHttp || isLoopback(url))) return undefined
  if (url.protocol === 'http:') {
    return `${url.href} uses http:; use https:, or set allowInsecureHttp: true (for local testing only)`
  }
  return `${url.href} must be an https: URL`
}
