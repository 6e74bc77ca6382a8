import { createParamDecorator, type ExecutionContext } from '@nestjs/common'
import type { AuthInfo } from '@scopeguard/core'
import { requestOf } from './internal/context-request.js'
import { readAuth } from './internal/request-auth.js'

const authParameter = createParamDecorator(
  (property: keyof AuthInfo | undefined, context: ExecutionContext): unknown => {
    const auth = readAuth(requestOf(context), context.getHandler())
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
 * @throws Error (a 500, or a GraphQL error) when the guard did not check this very handler: a
 *   route without the guard, exempted by `@Public()`, or a GraphQL `@ResolveField` while field
 *   guards are off (it never returns the auth checked for the parent query).
 */
export function Auth(property?: keyof AuthInfo): ParameterDecorator {
  return authParameter(property)
}
