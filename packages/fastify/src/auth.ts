import type { AuthInfo } from '@scopeguard/core'
import { authOf, requireAuthOf, setAuth as brand } from '@scopeguard/core/adapter'
import type { FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The verified access token, set by scopeguard's `protect()` hook (or a route the plugin
     * protects). Undefined on routes nothing protects and for anonymous requests on optional
     * routes: read it with `getAuth(request)` where a token is required.
     */
    auth?: AuthInfo
  }
}

const AUTHENTICATED_BY = Symbol.for('scopeguard.fastify.authenticatedBy')

/** The error message of reading the token of a request nothing authenticated (a server bug). */
export const NOT_AUTHENTICATED =
  'scopeguard: no authenticated token on this request; protect the route (the protect() hook, the plugin with global: true, or config.scopeguard) before this handler, or handle anonymous requests on optional routes'

/** A request `protect()` authenticated: `request.auth` is set. */
export type AuthenticatedRequest<Claims extends object = Record<string, unknown>> =
  FastifyRequest & { auth: AuthInfo<Claims> }

/**
 * Stores the auth object on the request (`request.auth`, and under scopeguard's brand so that
 * another library's `auth` is not mistaken for ours), with the resource server that verified it.
 */
export function setAuth(request: FastifyRequest, auth: AuthInfo<object>, server: object): void {
  request.auth = auth as AuthInfo
  brand(request, auth)
  ;(request as unknown as Record<symbol, unknown>)[AUTHENTICATED_BY] = server
}

/** Whether `server` already authenticated this request (a route protected twice verifies once). */
export function authenticatedBy(request: FastifyRequest, server: object): boolean {
  return (request as unknown as Record<symbol, unknown>)[AUTHENTICATED_BY] === server
}

/**
 * Whether `protect()` authenticated this request (false for anonymous requests on optional
 * routes, and on routes nothing protects); narrows `request.auth`.
 */
export function hasAuth(request: FastifyRequest): request is AuthenticatedRequest {
  return authOf(request) !== undefined
}

/**
 * The auth object `protect()` stored on the request, typed with your claims.
 * @throws Error when `protect()` did not run for this request, or let it through anonymously.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  request: FastifyRequest,
): AuthInfo<Claims> {
  return requireAuthOf<Claims>(request, NOT_AUTHENTICATED)
}
