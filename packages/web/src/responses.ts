import { TemporarilyUnavailableError, type AuthInfo } from '@scopeguard/core'
import { errorResponse as renderError, successHeaders } from '@scopeguard/core/adapter'

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * The RFC 6750 answer to an error as a Fetch `Response`: the status, `WWW-Authenticate`,
 * `Cache-Control: no-store` and the JSON body `{ error, error_description }` of a scopeguard
 * error. Anything else (a bug, an unexpected rejection) becomes a bare 503
 * `temporarily_unavailable`, without its message: the body never carries a token or a stack.
 *
 * ```ts
 * try { … } catch (error) { return errorResponse(error) }
 * ```
 */
export function errorResponse(error: unknown): Response {
  const rendered = renderError(error) ?? renderError(new TemporarilyUnavailableError())
  // renderError always renders an OAuthError
  const { status, headers, body } = rendered as NonNullable<typeof rendered>
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'Content-Type': JSON_TYPE },
  })
}

/**
 * Headers a successful response to an authenticated request must carry: `Cache-Control: private`
 * when the token came from the query string (RFC 6750 §2.3), and those the resource server asks
 * for (a fresh `DPoP-Nonce` after the nonce rotated, RFC 9449 §8.2). Empty for `undefined`
 * (an anonymous request on an optional route).
 */
export function authHeaders(auth: AuthInfo<object> | undefined): Record<string, string> {
  return auth === undefined ? {} : { ...successHeaders(auth) }
}

/**
 * The response with {@link authHeaders} added. A response whose headers are immutable (one
 * returned by `fetch`, or `Response.redirect`) is copied first.
 */
export function withAuthHeaders(response: Response, auth: AuthInfo<object> | undefined): Response {
  const headers = Object.entries(authHeaders(auth))
  if (headers.length === 0) return response
  let target = response
  try {
    for (const [name, value] of headers) target.headers.set(name, value)
  } catch {
    target = new Response(response.body, response)
    for (const [name, value] of headers) target.headers.set(name, value)
  }
  return target
}
