import {
  MissingTokenError,
  type AuthInfo,
  type Requirement,
  type ResourceServer,
} from '@scopeguard/core'
import { authenticate, type WebAuthenticateOptions } from './authenticate.js'
import type { RequestExtras } from './request.js'
import { errorResponse, withAuthHeaders } from './responses.js'

/** Options of {@link withAuth}: the route's authentication options and its requirements. */
export interface WithAuthOptions extends WebAuthenticateOptions {
  /** Checked in order after authentication (`requireScope('files:read')`, …); the first failure answers. */
  requirements?: readonly Requirement[]
  /**
   * What the runtime knows beyond the `Request`, per request: e.g. on Node
   * (`@hono/node-server`'s `getRequestListener`) the raw headers, client certificate and peer
   * address of `env.incoming`. Called with the handler's arguments.
   */
  requestExtras?: (request: Request, ...rest: never[]) => RequestExtras
}

/** A Fetch handler with extra arguments (a Worker's `env` and `ctx`, Next.js's `context`, …). */
export type FetchHandler<Rest extends unknown[]> = (
  request: Request,
  ...rest: Rest
) => Promise<Response>

/**
 * Wraps a Fetch handler: the request is authenticated and authorized first, then the handler
 * gets the verified token; failures answer with {@link errorResponse}, and the handler's response
 * gets {@link authHeaders} (`Cache-Control: private` for query tokens, `DPoP-Nonce`). Extra
 * arguments are passed through.
 *
 * ```ts
 * export const GET = withAuth(rs, async (request, auth) => Response.json({ sub: auth.subject }), {
 *   requirements: [requireScope('files:read')],
 * })
 * ```
 */
export function withAuth<Claims extends object, Rest extends unknown[]>(
  rs: ResourceServer<Claims>,
  handler: (
    request: Request,
    auth: AuthInfo<Claims>,
    ...rest: Rest
  ) => Response | Promise<Response>,
  options?: WithAuthOptions & { optional?: false },
): FetchHandler<Rest>
export function withAuth<Claims extends object, Rest extends unknown[]>(
  rs: ResourceServer<Claims>,
  handler: (
    request: Request,
    auth: AuthInfo<Claims> | undefined,
    ...rest: Rest
  ) => Response | Promise<Response>,
  options: WithAuthOptions & { optional: true },
): FetchHandler<Rest>
export function withAuth<Claims extends object, Rest extends unknown[]>(
  rs: ResourceServer<Claims>,
  handler: (
    request: Request,
    auth: AuthInfo<Claims>,
    ...rest: Rest
  ) => Response | Promise<Response>,
  options: WithAuthOptions = {},
): FetchHandler<Rest> {
  const { requirements = [], requestExtras, ...authenticateOptions } = options
  const extrasOf = requestExtras as ((request: Request, ...rest: Rest) => RequestExtras) | undefined
  return async function scopeguardWithAuth(request, ...rest) {
    let auth: AuthInfo<Claims> | undefined
    try {
      const extras = extrasOf?.(request, ...rest)
      auth = await authenticate(rs, request, { ...authenticateOptions, ...extras })
      if (auth !== undefined) rs.authorize(auth, ...requirements)
      else if (requirements.length > 0) {
        // An anonymous request on an optional route with requirements: refused like a mandatory route.
        throw new MissingTokenError().withChallenge(rs.challengeParams)
      }
    } catch (error) {
      return errorResponse(error)
    }
    return withAuthHeaders(await handler(request, auth as AuthInfo<Claims>, ...rest), auth)
  }
}
