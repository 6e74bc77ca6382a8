import { SetMetadata, type Type } from '@nestjs/common'
import { ConfigurationError } from '@scopeguard/core'
import { PUBLIC_METADATA } from './scopeguard.constants.js'
import { ScopeguardGuard } from './scopeguard.guard.js'

/**
 * Exempts a route (or every route of a controller) from scopeguard guards, e.g. a health check
 * under `ScopeguardModule.forRoot({ global: true })`:
 *
 * - `@Public()` exempts it from the guards running as **global** guards (`global: true`,
 *   `APP_GUARD`, `app.useGlobalGuards()`) only. A guard applied with `@UseGuards()` to the route
 *   or its controller still checks it: `@Public() @UseGuards(McpGuard)` needs an MCP token.
 * - `@Public(McpGuard, …)` exempts it from the named guard classes only, wherever they are
 *   applied (global or `@UseGuards()`); other scopeguard guards still check it.
 *
 * A route exempted this way must not carry requirements (`@Scopes()`, `@AnyScope()`,
 * `@RequireClaim()`, step-up, delegation — on the handler, its class or a base class) unless a
 * guard it does not exempt is applied to it with `@UseGuards()`: `ScopeguardModule` refuses such a
 * route at bootstrap, and the guards apply the requirements anyway (requirements win over
 * `@Public()`). The handler's marking wins over its class's.
 *
 * @throws ConfigurationError at class definition when an argument is not a `ScopeguardGuard` class.
 */
export function Public(...guards: Type<ScopeguardGuard>[]): ClassDecorator & MethodDecorator {
  for (const guard of guards as unknown[]) {
    if (
      typeof guard !== 'function' ||
      (guard !== ScopeguardGuard && !(guard.prototype instanceof ScopeguardGuard))
    ) {
      throw new ConfigurationError(
        '@Public() takes the guard classes it exempts (ScopeguardGuard or a subclass), or nothing',
      )
    }
  }
  return SetMetadata(PUBLIC_METADATA, guards.length === 0 ? true : Object.freeze([...guards]))
}
