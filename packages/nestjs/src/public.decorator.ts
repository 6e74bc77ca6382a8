import { SetMetadata } from '@nestjs/common'
import { PUBLIC_METADATA } from './scopeguard.constants.js'

/**
 * Lets a route (or every route of a controller) through `ScopeguardGuard` without a token, e.g.
 * a health check under `ScopeguardModule.forRoot({ global: true })`. The handler's marking wins
 * over the class's (`getAllAndOverride`).
 */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(PUBLIC_METADATA, true)
}
