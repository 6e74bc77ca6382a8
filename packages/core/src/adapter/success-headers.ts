import type { AuthInfo } from '../auth-info.js'

const NONE: Readonly<Record<string, string>> = Object.freeze({})
const PRIVATE: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'private' })

/**
 * The headers to set on the response of an authenticated request: the resource server's
 * `auth.responseHeaders` (e.g. a fresh `DPoP-Nonce` after the nonce rotated, RFC 9449 §8.2) and
 * `Cache-Control: private` when the token came in the query (RFC 6750 §2.3). Usually none: the
 * same empty frozen object is then returned, so the common path allocates nothing.
 *
 * ```ts
 * const headers = successHeaders(auth)
 * for (const name in headers) res.setHeader(name, headers[name]!)
 * ```
 */
export function successHeaders(auth: AuthInfo<object>): Readonly<Record<string, string>> {
  const extra = auth.responseHeaders
  const query = auth.source === 'query'
  if (extra === undefined) return query ? PRIVATE : NONE
  return query ? { ...extra, 'Cache-Control': 'private' } : extra
}
