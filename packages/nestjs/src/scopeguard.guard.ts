import {
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common'
import { HttpAdapterHost, Reflector } from '@nestjs/core'
import {
  requireAnyScope,
  requireScope,
  type AuthenticateOptions,
  type Requirement,
  type ResourceServer,
} from '@scopeguard/core'
import { successHeaders } from '@scopeguard/core/adapter'
import { loadGraphql, requestOf, toRequestLike } from './internal/context-request.js'
import { setAuth } from './internal/request-auth.js'
import {
  readExplicitGuards,
  readPublicMark,
  readRequirements,
  type ClassRef,
  type HandlerRef,
  type PublicMark,
} from './internal/route-metadata.js'
import {
  OPTIONAL_AUTH_METADATA,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
} from './scopeguard.constants.js'
import { toScopeguardException } from './scopeguard.exception.js'
import type { ScopeguardModuleOptions } from './scopeguard.module-definition.js'

/** What the guard does for one route, read once from its metadata. */
interface RoutePlan {
  /** `@Public()` exempts the route from this guard: it lets every request through unchecked. */
  exempt: boolean
  authenticate: AuthenticateOptions | undefined
  requirements: readonly Requirement[]
}

/** A request the guard can check: the platform request, and the response for headers, if any. */
export interface GuardedRequest {
  /** An Express `Request`, a Fastify `FastifyRequest`, or anything shaped like them. */
  request: object
  /** The platform response (Express `Response`, Fastify `FastifyReply`); none for GraphQL. */
  response: object | undefined
}

const OPTIONAL: AuthenticateOptions = { optional: true }

/**
 * Authenticates the request's access token with the core resource server and checks the route's
 * `@RequireAuthentication()`, `@Scopes()`, `@AnyScope()`, `@RequireClaim()` and delegation
 * metadata, in that order (metadata of the handler, its class and base classes merge: all of them
 * are required). Use it per controller or handler with `@UseGuards(ScopeguardGuard)`, or on every
 * route with `ScopeguardModule.forRoot({ global: true })`; `@Public()` exempts a route from the
 * global guard, `@Public(SomeGuard)` from the named guard.
 *
 * Failures are {@link ScopeguardException}s (400, 401, 403, 503) whose `WWW-Authenticate` and
 * `Cache-Control` headers are set on the response before they are thrown, so Nest's default
 * exception filter renders them on Express and Fastify. The verified token is stored as
 * `request.auth` and read with `@Auth()`.
 */
@Injectable()
export class ScopeguardGuard implements CanActivate {
  private readonly plans = new WeakMap<object, WeakMap<object, RoutePlan>>()

  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(SCOPEGUARD_RESOURCE_SERVER) protected readonly resourceServer: ResourceServer<object>,
    @Inject(HttpAdapterHost) protected readonly adapterHost: HttpAdapterHost,
    @Inject(SCOPEGUARD_MODULE_OPTIONS) protected readonly options: ScopeguardModuleOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const plan = this.planFor(context)
    if (plan.exempt) return true
    if (this.options.skipContextTypes?.includes(context.getType()) === true) return true
    const target = await this.getRequest(context)
    if (target === undefined) return false
    const { request, response } = target
    try {
      const auth = await this.resourceServer.authenticate(toRequestLike(request), plan.authenticate)
      setAuth(request, auth, context.getHandler())
      if (auth === undefined) return true
      if (response !== undefined) {
        const headers = successHeaders(auth)
        for (const name in headers) {
          this.adapterHost.httpAdapter.setHeader(response, name, headers[name] as string)
        }
      }
      // Routes without requirements skip the call and its rest-parameter array.
      if (plan.requirements.length > 0) this.resourceServer.authorize(auth, ...plan.requirements)
      return true
    } catch (error) {
      const exception = toScopeguardException(error, { statusCodeInBody: response === undefined })
      if (exception === undefined) throw error
      if (response !== undefined) {
        for (const [name, value] of Object.entries(exception.headers)) {
          this.adapterHost.httpAdapter.setHeader(response, name, value)
        }
      }
      throw exception
    }
  }

  /**
   * Finds the request to check: the HTTP request, or the `req` of a GraphQL context. Returns
   * undefined for other context types, which are then denied. Override it to protect, e.g.,
   * WebSocket gateways.
   */
  protected async getRequest(context: ExecutionContext): Promise<GuardedRequest | undefined> {
    const type = context.getType<string>()
    if (type === 'graphql') await loadGraphql()
    const request = requestOf(context)
    if (request === undefined) return undefined
    // switchToHttp().getResponse(), without switchToHttp()'s per-call closures
    const response = type === 'http' ? context.getArgByIndex<object>(1) : undefined
    return { request, response }
  }

  private planFor(context: ExecutionContext): RoutePlan {
    const handler = context.getHandler()
    const controller = context.getClass()
    let byClass = this.plans.get(handler)
    if (byClass === undefined) {
      byClass = new WeakMap()
      this.plans.set(handler, byClass)
    }
    let plan = byClass.get(controller)
    if (plan === undefined) {
      plan = this.readPlan(handler, controller)
      byClass.set(controller, plan)
    }
    return plan
  }

  private readPlan(handler: HandlerRef, controller: ClassRef): RoutePlan {
    const { scopes, anyScopes, claims, others } = readRequirements(handler, controller)
    // rs.authorize() runs step-up requirements (401) before the others (403) itself.
    const requirements = [
      ...(scopes.length > 0 ? [requireScope(...scopes)] : []),
      ...anyScopes.map((group) => requireAnyScope(...group)),
      ...claims,
      ...others,
    ]
    // The handler's @OptionalAuth() wins over the class's.
    const optional = this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH_METADATA, [
      handler,
      controller,
    ])
    return {
      exempt: this.isExempt(handler, controller, requirements.length > 0),
      // Scopes and claims need a token, so @OptionalAuth() only applies to routes without them.
      // The route's @Scopes() are known here: its 401 challenges name them (`scope`), so a client
      // knows what to ask for. The guard checks them itself, with the other requirements.
      authenticate:
        optional === true && requirements.length === 0
          ? OPTIONAL
          : scopes.length > 0
            ? { challengeScopes: [...new Set(scopes)] }
            : undefined,
      requirements,
    }
  }

  /**
   * Whether the route's `@Public()` exempts it from this guard instance.
   *
   * A guard knows whether it runs as a global guard by looking for itself in the route's
   * `@UseGuards()` metadata (handler, class and base classes), read as Nest reads it to choose the
   * guards to run: a guard found there was applied explicitly; otherwise it runs as a global guard
   * (`global: true`, an `APP_GUARD` of any form, `app.useGlobalGuards()`). This holds however the
   * global guard was registered and even when one instance serves both roles (`global: true`
   * with `@UseGuards(ScopeguardGuard)` on a route), which a flag set on the instance at
   * registration could not tell apart.
   *
   * A route whose requirements would then be checked by no guard (every scopeguard guard it
   * names is exempted too) is a misconfiguration that `ScopeguardModule` refuses at bootstrap;
   * should that check have been bypassed (a guard provided without the module), the requirements
   * win and the guard checks the route anyway: fail closed.
   */
  private isExempt(handler: HandlerRef, controller: ClassRef, required: boolean): boolean {
    const mark = readPublicMark(handler, controller)
    if (mark === undefined) return false
    const explicit = readExplicitGuards(handler, controller)
    const isSelf = (guard: unknown): boolean => guard === this || guard === this.constructor
    if (!exemptsGuard(mark, this.constructor, explicit.some(isSelf))) return false
    return !required || explicit.some((guard) => checksDespite(mark, guard))
  }
}

/** Whether a guard of class `guardClass`, applied explicitly or globally, is exempted by `mark`. */
export function exemptsGuard(mark: PublicMark, guardClass: unknown, explicit: boolean): boolean {
  return mark === true ? !explicit : mark.includes(guardClass as ClassRef)
}

/** Whether `guard` (from `@UseGuards()`) is a scopeguard guard that `mark` leaves checking. */
export function checksDespite(mark: PublicMark, guard: unknown): boolean {
  const guardClass = typeof guard === 'function' ? guard : (guard as object | null)?.constructor
  return isScopeguardGuard(guardClass) && !exemptsGuard(mark, guardClass, true)
}

/** Whether `value` is `ScopeguardGuard` or a subclass of it. */
export function isScopeguardGuard(value: unknown): boolean {
  return (
    typeof value === 'function' &&
    (value === ScopeguardGuard || value.prototype instanceof ScopeguardGuard)
  )
}
