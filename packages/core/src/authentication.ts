import type { AuthInfo } from './auth-info.js'
import type { ChallengeParams } from './challenge.js'
import type { DpopVerifier } from './dpop-verifier.js'
import { isOAuthError, MissingTokenError } from './errors.js'
import type { RequestReporter } from './events.js'
import {
  createRouteExtraction,
  extractToken,
  type ExtractionOptions,
  type ResolvedExtraction,
  type TokenSource,
} from './extract.js'
import type { RequestLike } from './request.js'
import {
  challengeWithScopes,
  resolveRouteScopes,
  type RouteScopeOptions,
  type RouteScopes,
} from './route-scopes.js'
import type { PresentedToken, TokenVerification } from './token-verification.js'

/** Per-route options of `ResourceServer.authenticate`. */
export interface AuthenticateOptions extends ExtractionOptions, RouteScopeOptions {
  /**
   * Let requests without any token through as anonymous (`undefined`). A request that does carry
   * a token is still verified, and an invalid token is still a 401: never silently anonymous.
   * @default false
   */
  optional?: boolean
}

/** The parts of a resource server that turn a request into an auth object or a refusal. */
export interface AuthenticationParts {
  /** The server's extraction (route options apply over it). */
  extraction: ResolvedExtraction
  dpop: DpopVerifier
  /** The parameters every challenge of the server carries. */
  challengeParams: Readonly<ChallengeParams>
  /** The server's `challengeScopes`: named by the challenges of routes that name none. */
  challengeScopes: readonly string[] | undefined
  verify: TokenVerification
  report: RequestReporter
}

/** `rs.authenticate()` and `rs.verifyToken()`. */
export interface Authentication<Claims extends object> {
  authenticate(
    request: RequestLike,
    routeOptions?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined>
  verifyToken(token: string, source?: TokenSource, request?: RequestLike): Promise<AuthInfo<Claims>>
}

/**
 * Authenticates requests (and tokens obtained some other way): finds the token and the scheme
 * it came with, verifies it, and reports the outcome. A refusal is thrown once, as the client
 * gets it: with the server's challenge, on the scheme the request used.
 */
export function createAuthentication<Claims extends object>(
  parts: AuthenticationParts,
): Authentication<Claims> {
  const { dpop, challengeParams, challengeScopes, verify, report } = parts
  const extractionFor = createRouteExtraction(parts.extraction)
  const serverRoute: RouteScopes = {
    requirement: undefined,
    challenge: challengeWithScopes(challengeParams, challengeScopes),
  }
  const routes = new WeakMap<AuthenticateOptions, RouteScopes>()
  /** The route's scopes (resolved once per route options object), else the server's. */
  function routeOf(routeOptions: AuthenticateOptions | undefined): RouteScopes {
    if (
      routeOptions === undefined ||
      (routeOptions.requiredScopes === undefined && routeOptions.challengeScopes === undefined)
    ) {
      return serverRoute
    }
    let route = routes.get(routeOptions)
    if (route === undefined) {
      route = resolveRouteScopes(routeOptions, challengeParams, challengeScopes)
      routes.set(routeOptions, route)
    }
    return route
  }

  /** A refusal as the client gets it: with the route's challenge, on the scheme it used. */
  function challenged(
    error: unknown,
    scheme: 'Bearer' | 'DPoP' | undefined,
    route: RouteScopes,
  ): unknown {
    return isOAuthError(error)
      ? error.withChallenge(dpop.paramsFor(route.challenge, scheme))
      : error
  }

  /** Verifies a presented token, reporting the outcome. */
  async function verifyReported(
    presented: PresentedToken,
    started: number,
    route: RouteScopes,
  ): Promise<AuthInfo<Claims>> {
    try {
      const auth = await verify<Claims>(presented)
      report.authenticated(auth, started)
      return auth
    } catch (error) {
      const refused = challenged(error, presented.scheme, route)
      report.refused(refused, started)
      throw refused
    }
  }

  async function authenticate(
    request: RequestLike,
    routeOptions?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined> {
    const started = report.start()
    const route = routeOf(routeOptions)
    let extracted
    try {
      extracted = extractToken(request, extractionFor(routeOptions))
    } catch (error) {
      if (routeOptions?.optional === true && error instanceof MissingTokenError) return undefined
      const refused = challenged(error, dpop.schemeOf(request), route)
      report.refused(refused)
      throw refused
    }
    const { token, source, scheme = 'Bearer' } = extracted
    const auth = await verifyReported({ token, source, scheme, request }, started, route)
    // The route's own scopes: a 403 naming them (reported like any requirement's refusal).
    route.requirement?.check(auth)
    return auth
  }

  return {
    authenticate,
    async verifyToken(token, source = 'header', request) {
      // The token counts as DPoP when the request carries it with the DPoP scheme (its proof is
      // then checked, bound to this token); anything else is Bearer, under the same policy.
      const scheme =
        request !== undefined && dpop.policy !== 'disabled' && dpop.schemeOf(request) === 'DPoP'
          ? 'DPoP'
          : 'Bearer'
      return verifyReported({ token, source, scheme, request }, report.start(), serverRoute)
    },
  }
}
