import type { AuthInfo } from '@scopeguard/core'

const AUTH = Symbol.for('scopeguard.auth')

type Holder = Record<PropertyKey, unknown>
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler type
type Handler = Function
/**
 * What the guard recorded for each handler it checked: the auth, or null for anonymous. While a
 * request has seen one handler (every HTTP request), the handler alone is stored and its result
 * is the AUTH brand.
 */
type ByHandler = Map<Handler, AuthInfo<object> | null>

/**
 * The per-handler records, by request. A WeakMap rather than a property of the request: on
 * Express 5 every request object has a hidden class of its own, so each property added to one
 * allocates a new map and descriptor array (measured: about 1 KB per property and request). In
 * the global symbol registry, so that two copies of this package share it.
 */
const BY_HANDLER = Symbol.for('scopeguard.nestjs.auth-by-handler')
const registry = globalThis as unknown as Record<symbol, WeakMap<object, ByHandler | Handler>>
const byRequest = (registry[BY_HANDLER] ??= new WeakMap())

/**
 * Records the guard's result on the request: `request.auth` for a token, a brand that tells "the
 * guard ran and let an anonymous request through" (null) from "the guard never ran", and the
 * result per handler. In GraphQL one request runs many resolvers: keeping results per handler
 * stops a resolver the guard did not run for (a `@ResolveField` without field guards) from
 * reading the auth that was checked for another one.
 */
export function setAuth(
  request: object,
  auth: AuthInfo<object> | undefined,
  handler: Handler,
): void {
  const holder = request as Holder
  const result = auth ?? null
  const byHandler = byRequest.get(request)
  // One handler per request (HTTP) needs no map: the handler itself is stored, its result is AUTH.
  if (byHandler === undefined) byRequest.set(request, handler)
  else if (typeof byHandler === 'function') {
    if (byHandler !== handler) {
      byRequest.set(
        request,
        new Map([
          [byHandler, holder[AUTH] as AuthInfo<object> | null],
          [handler, result],
        ]),
      )
    }
  } else byHandler.set(handler, result)
  if (auth !== undefined) holder['auth'] = auth
  holder[AUTH] = result
}

/**
 * The auth object the guard stored for `handler`, or undefined for an anonymous request on an
 * `@OptionalAuth()` route.
 * @throws Error when the guard did not check this handler on this request.
 */
export function readAuth(request: object | undefined, handler: Handler): AuthInfo | undefined {
  const holder = request as Holder | undefined
  const byHandler = request === undefined ? undefined : byRequest.get(request)
  const auth =
    typeof byHandler === 'function'
      ? byHandler === handler
        ? (holder?.[AUTH] as AuthInfo<object> | null)
        : undefined
      : byHandler?.get(handler)
  if (auth === undefined) {
    throw new Error(
      `scopeguard: @Auth() in ${handler.name || 'a handler'}, which ScopeguardGuard did not check; protect the route with ScopeguardGuard (@UseGuards(ScopeguardGuard), or ScopeguardModule.forRoot({ global: true })) and do not exempt it with @Public(); a GraphQL @ResolveField also needs fieldResolverEnhancers: ['guards'] in GraphQLModule's options`,
    )
  }
  return (auth ?? undefined) as AuthInfo | undefined
}
