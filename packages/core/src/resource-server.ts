import {
  attachChallengeParams,
  parseActors,
  type AccessTokenClaims,
  type AuthInfo,
} from './auth-info.js'
import type { ChallengeParams } from './challenge.js'
import { DiscoveryError, discoverMetadata } from './discovery.js'
import { isOAuthError, MissingTokenError } from './errors.js'
import {
  extractToken,
  resolveExtraction,
  type ExtractionOptions,
  type ResolvedExtraction,
  type TokenSource,
} from './extract.js'
import { createJwtVerifier } from './jwt-verify.js'
import {
  ASYMMETRIC_ALGORITHMS,
  secretSource,
  staticJwksSource,
  type KeySource,
} from './key-source.js'
import { consoleLogger, silentLogger } from './logger.js'
import { validateOptions, type ResourceServerOptions } from './options.js'
import { remoteJwksSource } from './remote-jwks.js'
import type { RequestLike } from './request.js'
import { checkRequirements, type Requirement } from './requirements.js'
import { createScopeReader, type Scope } from './scopes.js'

/** Per-route options of {@link ResourceServer.authenticate}. */
export interface AuthenticateOptions extends ExtractionOptions {
  /**
   * Let requests without any token through as anonymous (`undefined`). A request that does carry
   * a token is still verified, and an invalid token is still a 401: never silently anonymous.
   * @default false
   */
  optional?: boolean
}

/** A resource server: created once from options, used for every request. */
export interface ResourceServer<Claims extends object = Record<string, unknown>> {
  /** The configured issuer. */
  readonly issuer: string
  /** The accepted audiences. */
  readonly audiences: readonly string[]
  /** Parameters every challenge of this server carries (`realm`). */
  readonly challengeParams: Readonly<ChallengeParams>
  /**
   * Finds, verifies and decodes the request's access token.
   * @throws OAuthError — 401 `missing_token`/`invalid_token`, 400 `invalid_request`, or 503 when
   *   keys cannot be obtained; its `headers` carry the `WWW-Authenticate` challenge.
   */
  authenticate(
    request: RequestLike,
    options?: AuthenticateOptions & { optional?: false },
  ): Promise<AuthInfo<Claims>>
  authenticate(
    request: RequestLike,
    options: AuthenticateOptions & { optional: true },
  ): Promise<AuthInfo<Claims> | undefined>
  authenticate(
    request: RequestLike,
    options?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined>
  /** Verifies a token obtained some other way (e.g. a WebSocket message). */
  verifyToken(token: string, source?: TokenSource): Promise<AuthInfo<Claims>>
  /** Runs requirements against an authenticated request; throws the first failure (403). */
  authorize(auth: AuthInfo<Claims>, ...requirements: Requirement[]): void
  /**
   * Fetches metadata and keys now, so that configuration problems surface at startup.
   * @throws Error describing what could not be loaded.
   */
  warmUp(): Promise<void>
}

const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

function keySourceFor(
  options: ResourceServerOptions,
  algorithms: readonly string[],
  now: () => number,
): KeySource {
  const logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger)
  if (options.secret !== undefined) return secretSource(options.secret, algorithms)
  if (options.jwks !== undefined) return staticJwksSource(options.jwks)
  const fetch = options.fetch ?? globalThis.fetch
  const jwksUri = options.jwksUri
  const url =
    jwksUri ??
    (async () => {
      const metadata = await discoverMetadata(options.issuer, {
        metadataUrl: options.metadataUrl,
        fetch,
        timeoutMs: options.discoveryTimeoutMs,
        allowInsecureHttp: options.allowInsecureHttp,
      })
      if (typeof metadata.jwks_uri !== 'string') {
        throw new DiscoveryError(`the metadata of issuer ${options.issuer} has no jwks_uri`)
      }
      return metadata.jwks_uri
    })
  return remoteJwksSource({ ...options.jwksTiming, url, fetch, logger, now })
}

/**
 * Creates a resource server. Options are validated here, once; a mistake throws a
 * {@link ConfigurationError} whose message says what to change.
 *
 * @example
 * ```ts
 * const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * const auth = await rs.authenticate({ method: req.method, url: req.url, headers: req.headers })
 * rs.authorize(auth, requireScope('files:read'))
 * ```
 */
export function createResourceServer<Claims extends object = Record<string, unknown>>(
  options: ResourceServerOptions,
): ResourceServer<Claims> {
  validateOptions(options)
  const now = options.now ?? Date.now
  const audiences =
    typeof options.audience === 'string' ? [options.audience] : [...options.audience]
  const algorithms =
    options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ASYMMETRIC_ALGORITHMS)
  const keys = keySourceFor(options, algorithms, now)
  const logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger)
  const strict = options.strict === true
  const requiredClaims = new Set([
    ...(strict ? RFC9068_CLAIMS : ['exp']),
    ...(options.requiredClaims ?? []),
  ])
  const verifyJwt = createJwtVerifier({
    issuer: options.issuer,
    audiences,
    algorithms,
    keys,
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    requiredClaims: [...requiredClaims],
    strictType: strict,
    validators: options.validators ?? [],
    now,
    logger,
  })
  const scopeReader = createScopeReader(options.scopes)
  const challengeParams: ChallengeParams = Object.freeze({ realm: options.realm ?? 'api' })
  const baseExtraction = resolveExtraction(options.extraction)
  const perRoute = new WeakMap<AuthenticateOptions, ResolvedExtraction>()

  function extractionFor(routeOptions: AuthenticateOptions | undefined): ResolvedExtraction {
    if (routeOptions === undefined) return baseExtraction
    let resolved = perRoute.get(routeOptions)
    if (resolved === undefined) {
      resolved = resolveExtraction(routeOptions, baseExtraction)
      perRoute.set(routeOptions, resolved)
    }
    return resolved
  }

  async function verify(token: string, source: TokenSource): Promise<AuthInfo<Claims>> {
    const { protectedHeader: header, payload } = await verifyJwt(token)
    const claims = payload as AccessTokenClaims & Claims
    const scopes = scopeReader.granted(claims)
    const aud = claims.aud
    const auth: AuthInfo<Claims> = {
      token,
      tokenType: 'Bearer',
      source,
      format: 'jwt',
      claims,
      header: header as Record<string, unknown>,
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
      clientId:
        typeof claims.client_id === 'string'
          ? claims.client_id
          : typeof claims.azp === 'string'
            ? claims.azp
            : undefined,
      issuer: claims.iss as string,
      audience: typeof aud === 'string' ? [aud] : (aud ?? []),
      scopes: scopes as Scope[],
      effectiveScopes: scopeReader.effective(scopes),
      expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined,
      issuedAt: typeof claims.iat === 'number' ? new Date(claims.iat * 1000) : undefined,
      actors: parseActors(claims.act),
      confirmation: typeof claims.cnf === 'object' && claims.cnf !== null ? claims.cnf : undefined,
    }
    attachChallengeParams(auth, challengeParams)
    return auth
  }

  function withChallenge(error: unknown): unknown {
    return isOAuthError(error) ? error.withChallenge(challengeParams) : error
  }

  async function authenticate(
    request: RequestLike,
    routeOptions?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined> {
    let extracted
    try {
      extracted = extractToken(request, extractionFor(routeOptions))
    } catch (error) {
      if (routeOptions?.optional === true && error instanceof MissingTokenError) return undefined
      throw withChallenge(error)
    }
    try {
      return await verify(extracted.token, extracted.source)
    } catch (error) {
      throw withChallenge(error)
    }
  }

  return {
    issuer: options.issuer,
    audiences,
    challengeParams,
    authenticate: authenticate as ResourceServer<Claims>['authenticate'],
    async verifyToken(token, source = 'header') {
      try {
        return await verify(token, source)
      } catch (error) {
        throw withChallenge(error)
      }
    },
    authorize(auth, ...requirements) {
      checkRequirements(auth, requirements)
    },
    warmUp: () => keys.warmUp(),
  }
}
