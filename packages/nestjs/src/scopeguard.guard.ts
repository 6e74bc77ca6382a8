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
import { loadGraphql, requestOf, toRequestLike } from './internal/context-request.js'
import { setAuth } from './internal/request-auth.js'
import {
  ANY_SCOPE_METADATA,
  CLAIMS_METADATA,
  OPTIONAL_AUTH_METADATA,
  PUBLIC_METADATA,
  REQUIREMENTS_METADATA,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
  SCOPES_METADATA,
} from './scopeguard.constants.js'
import { toScopeguardException } from './scopeguard.exception.js'
import type { ScopeguardModuleOptions } from './scopeguard.module-definition.js'

/** What the guard does for one route, read once from its metadata. */
interface RoutePlan {
  public: boolean
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
 * metadata, in that order (class and handler metadata merge: all of them are required). Use it per controller or handler with `@UseGuards(ScopeguardGuard)`, or
 * on every route with `ScopeguardModule.forRoot({ global: true })`; `@Public()` opts a route out.
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
    if (plan.public) return true
    if (this.options.skipContextTypes?.includes(context.getType()) === true) return true
    const target = await this.getRequest(context)
    if (target === undefined) return false
    const { request, response } = target
    try {
      const auth = await this.resourceServer.authenticate(toRequestLike(request), plan.authenticate)
      setAuth(request, auth)
      if (auth === undefined) return true
      if (response !== undefined) {
        // e.g. a fresh DPoP-Nonce after the nonce rotated (RFC 9449 §8.2)
        for (const [name, value] of Object.entries(auth.responseHeaders ?? {})) {
          this.adapterHost.httpAdapter.setHeader(response, name, value)
        }
      }
      // RFC 6750 §2.3: a response to a request authorized by a query token is private.
      if (auth.source === 'query' && response !== undefined) {
        this.adapterHost.httpAdapter.setHeader(response, 'Cache-Control', 'private')
      }
      this.resourceServer.authorize(auth, ...plan.requirements)
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
    const response = type === 'http' ? context.switchToHttp().getResponse<object>() : undefined
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

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler type
  private readPlan(handler: Function, controller: Type<unknown>): RoutePlan {
    // The handler's @Public()/@OptionalAuth() win over the class's; requirements accumulate.
    const override = [handler, controller]
    const merge = [controller, handler]
    const scopes = [...new Set(this.reflector.getAllAndMerge<string[]>(SCOPES_METADATA, merge))]
    const anyScopes = this.reflector.getAllAndMerge<string[][]>(ANY_SCOPE_METADATA, merge)
    const claims = this.reflector.getAllAndMerge<Requirement[]>(CLAIMS_METADATA, merge)
    const others = this.reflector.getAllAndMerge<Requirement[]>(REQUIREMENTS_METADATA, merge)
    // Step-up (401) comes before scopes (403): re-authenticating may fix both at once.
    const requirements = [
      ...others.filter((rule) => rule.kind === 'authentication'),
      ...(scopes.length > 0 ? [requireScope(...scopes)] : []),
      ...anyScopes.map((group) => requireAnyScope(...group)),
      ...claims,
      ...others.filter((rule) => rule.kind !== 'authentication'),
    ]
    const optional = this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH_METADATA, override)
    return {
      public: this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, override) === true,
      // Scopes and claims need a token, so @OptionalAuth() only applies to routes without them.
      authenticate: optional === true && requirements.length === 0 ? OPTIONAL : undefined,
      requirements,
    }
  }
}
