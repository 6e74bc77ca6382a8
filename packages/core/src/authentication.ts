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
import type { PresentedToken, TokenVerification } from './token-verification.js'

/** Per-route options of `ResourceServer.authenticate`. */
export interface AuthenticateOptions extends ExtractionOptions {
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
  const { dpop, challengeParams, verify, report } = parts
  const extractionFor = createRouteExtraction(parts.extraction)

  /** A refusal as the client gets it: with this server's challenge, on the scheme it used. */
  function challenged(error: unknown, scheme: 'Bearer' | 'DPoP' | undefined): unknown {
    return isOAuthError(error)
      ? error.withChallenge(dpop.paramsFor(challengeParams, scheme))
      : error
  }

  /** Verifies a presented token, reporting the outcome. */
  async function verifyReported(
    presented: PresentedToken,
    started: number,
  ): Promise<AuthInfo<Claims>> {
    try {
      const auth = await verify<Claims>(presented)
      report.authenticated(auth, started)
      return auth
    } catch (error) {
      const refused = challenged(error, presented.scheme)
      report.refused(refused, started)
      throw refused
    }
  }

  async function authenticate(
    request: RequestLike,
    routeOptions?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined> {
    const started = report.start()
    let extracted
    try {
      extracted = extractToken(request, extractionFor(routeOptions))
    } catch (error) {
      if (routeOptions?.optional === true && error instanceof MissingTokenError) return undefined
      const refused = challenged(error, dpop.schemeOf(request))
      report.refused(refused)
      throw refused
    }
    const { token, source, scheme = 'Bearer' } = extracted
    return verifyReported({ token, source, scheme, request }, started)
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
      return verifyReported({ token, source, scheme, request }, report.start())
    },
  }
}
