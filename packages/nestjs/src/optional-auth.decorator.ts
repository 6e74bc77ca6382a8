import { SetMetadata } from '@nestjs/common'
import { OPTIONAL_AUTH_METADATA } from './scopeguard.constants.js'

/**
 * Lets requests without a token through as anonymous (`@Auth()` is then undefined). A request
 * that carries a token is still verified, and an invalid token is still a 401: never silently
 * anonymous. Has no effect on a route that requires scopes or claims, since they need a token.
 */
export function OptionalAuth(): ClassDecorator & MethodDecorator {
  return SetMetadata(OPTIONAL_AUTH_METADATA, true)
}
