import { createParamDecorator, type ExecutionContext } from '@nestjs/common'
import type { AuthInfo } from '@scopeguard/core'
import { requestOf } from './internal/context-request.js'
import { readAuth } from './internal/request-auth.js'

const authParameter = createParamDecorator(
  (property: keyof AuthInfo | undefined, context: ExecutionContext): unknown => {
    const auth = readAuth(requestOf(context))
    return property === undefined ? auth : auth?.[property]
  },
)

/**
 * Parameter decorator giving the verified token's {@link AuthInfo} (or one of its properties:
 * `@Auth('subject')`), in controllers and GraphQL resolvers protected by `ScopeguardGuard`. It is
 * undefined for an anonymous request on an `@OptionalAuth()` route.
 *
 * ```ts
 * @Get('me')
 * me(@Auth() auth: AuthInfo) { return { sub: auth.subject } }
 * ```
 *
 * @throws Error (a 500) when the guard did not run for the route: a route without the guard, or
 *   marked `@Public()`.
 */
export function Auth(property?: keyof AuthInfo): ParameterDecorator {
  return authParameter(property)
}
