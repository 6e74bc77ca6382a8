import type { AuthenticateOptions, AuthInfo, ResourceServer } from '@scopeguard/core'
import { toRequestLike, type RequestExtras } from './request.js'

/** Options of {@link authenticate}: the route's extraction options, plus what the runtime knows. */
export interface WebAuthenticateOptions extends AuthenticateOptions, RequestExtras {}

/**
 * Authenticates a Fetch `Request`'s access token (Bearer or DPoP, from the `Authorization`
 * header, or the query / form body where the options allow it). The origin a DPoP proof must
 * name is `request.url`'s (or the server's `publicOrigin`). A form body is read from a clone:
 * the request's own body stays unread.
 *
 * ```ts
 * const auth = await authenticate(rs, request)
 * rs.authorize(auth, requireScope('files:read'))
 * ```
 * @returns the verified token; `undefined` only with `optional: true` and no token.
 * @throws OAuthError (render it with `errorResponse(error)`).
 */
export function authenticate<Claims extends object>(
  rs: ResourceServer<Claims>,
  request: Request,
  options?: WebAuthenticateOptions & { optional?: false },
): Promise<AuthInfo<Claims>>
export function authenticate<Claims extends object>(
  rs: ResourceServer<Claims>,
  request: Request,
  options: WebAuthenticateOptions & { optional: true },
): Promise<AuthInfo<Claims> | undefined>
export function authenticate<Claims extends object>(
  rs: ResourceServer<Claims>,
  request: Request,
  options?: WebAuthenticateOptions,
): Promise<AuthInfo<Claims> | undefined>
export async function authenticate<Claims extends object>(
  rs: ResourceServer<Claims>,
  request: Request,
  options: WebAuthenticateOptions = {},
): Promise<AuthInfo<Claims> | undefined> {
  const { rawHeaders, clientCertificate, remoteAddress, ...authenticateOptions } = options
  const like = await toRequestLike(request, { rawHeaders, clientCertificate, remoteAddress })
  return rs.authenticate(like, authenticateOptions)
}
