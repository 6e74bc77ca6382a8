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
    return `${redactUrl(url)} uses http:; use https:, or set allowInsecureHttp: true (for local testing only)`
  }
  return `${redactUrl(url)} must be an https: URL`
}

/**
 * Refuses credentials in a URL (`https://user:password@host/`): `fetch` refuses them anyway, and
 * they would end up in logs. Returns a message without the credentials, or undefined.
 */
export function userinfoProblem(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined
  return `${redactUrl(url)} must not contain a user name or password (user:password@); pass credentials in their own options`
}

/**
 * The rules for every URL this library fetches from or posts to, configured or learned from
 * metadata: no userinfo, and `https:` (or `http:` as {@link insecureUrlProblem} allows).
 * Returns a message without secrets, or undefined.
 */
export function upstreamUrlProblem(url: URL, allowInsecureHttp: boolean): string | undefined {
  return userinfoProblem(url) ?? insecureUrlProblem(url, allowInsecureHttp)
}

/**
 * Checks a URL learned from an issuer's metadata (`jwks_uri`, `introspection_endpoint`) with
 * {@link upstreamUrlProblem}; `member` names it in the message.
 */
export function learnedUrlProblem(
  member: string,
  value: unknown,
  allowInsecureHttp: boolean,
): string | undefined {
  if (typeof value !== 'string') return `${member} is not a string`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `${member} ${JSON.stringify(redactText(value))} is not a URL`
  }
  const problem = upstreamUrlProblem(url, allowInsecureHttp)
  return problem === undefined ? undefined : `${member}: ${problem}`
}

/**
 * A URL as it may be logged: without user name, password, query or fragment (any of which can
 * carry a secret).
 */
export function redactUrl(url: string | URL): string {
  let copy: URL
  try {
    copy = new URL(url)
  } catch {
    return redactText(String(url))
  }
  const hidden = copy.search !== '' || copy.hash !== ''
  copy.username = ''
  copy.password = ''
  copy.search = ''
  copy.hash = ''
  return hidden ? `${copy.href}?…` : copy.href
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi
/** `scheme://…@`: what looks like userinfo, even with spaces or other bytes a URL refuses. */
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/gi

/**
 * Free text (an error message from a store, a fetch implementation or a malformed option) with
 * userinfo removed from every URL-like part, and the query and fragment of every URL dropped as
 * {@link redactUrl} does; other URLs are left exactly as written.
 */
export function redactText(text: string): string {
  return text.replace(USERINFO_IN_TEXT, '$1').replace(URL_IN_TEXT, (match) => {
    try {
      const url = new URL(match)
      // Untouched unless something is hidden: issuer identifiers in messages stay exact.
      return url.search === '' && url.hash === '' ? match : redactUrl(url)
    } catch {
      return match
    }
  })
}
