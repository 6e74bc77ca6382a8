import { createAuthentication, type AuthenticateOptions } from './authentication.js'
import type { AuthInfo, RefusalContext } from './auth-info.js'
import { resolveBindingPolicy } from './binding.js'
import { clientIdOf } from './build-auth-info.js'
import { serverChallengeParams, type ChallengeParams } from './challenge.js'
import { createClientAdministration, createClientPolicy } from './client-policy.js'
import { createDpopVerifier, resolveDpopOptions, resolvePublicOrigin } from './dpop-verifier.js'
import type { ConfigurationError } from './errors.js'
import { createRequestReporter } from './events.js'
import { bearerMethods, resolveExtraction, type TokenSource } from './extract.js'
import { createIssuerRegistry } from './issuer-registry.js'
import { createCertificateReader } from './mtls.js'
import { resolveOptions, type ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { checkRequirements, type Requirement } from './requirements.js'
import { publishedResourceMetadata, type ResourceMetadata } from './resource-metadata.js'
import { createDenylist, createRevoke, type RevocationTarget } from './revocation.js'
import { scopeTokens } from './route-scopes.js'
import { createScopeReader } from './scopes.js'
import { createTokenCache, createTokenVerification } from './token-verification.js'

export type { AuthenticateOptions } from './authentication.js'

/** A resource server: created once from options, used for every request. */
export interface ResourceServer<Claims extends object = Record<string, unknown>> {
  /** The issuers configured up front (resolved tenants are not listed). */
  readonly issuers: readonly string[]
  /** The configured issuer, when there is exactly one. */
  readonly issuer: string | undefined
  /** The accepted audiences of the configured issuers. */
  readonly audiences: readonly string[]
  /** Parameters every challenge of this server carries (`realm`, `resource_metadata`). */
  readonly challengeParams: Readonly<ChallengeParams>
  /** The protected resource metadata (RFC 9728) to serve, when configured. */
  readonly resourceMetadata: ResourceMetadata | undefined
  /**
   * Finds, verifies and decodes the request's access token.
   * @throws OAuthError — 401 `missing_token`/`invalid_token`, 400 `invalid_request`, or 503 when
   *   keys or the introspection endpoint cannot be reached; its `headers` carry the challenge.
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
  /**
   * Verifies a token obtained some other way (e.g. a WebSocket message). With `resolveIssuer`,
   * pass the request the token belongs to.
   */
  verifyToken(token: string, source?: TokenSource, request?: RequestLike): Promise<AuthInfo<Claims>>
  /**
   * Adds a token to the denylist (needs `revocation: true`) until it would have expired anyway:
   * by `jti` (JWTs of the given issuer, default the only configured one) or by the token itself.
   */
  revoke(target: RevocationTarget): Promise<void>
  /**
   * Allows a client application (needs `allowedClients`): in the shared registry with
   * `allowedClients: 'registry'`, else in this instance's list.
   */
  registerClient(clientId: string): Promise<void>
  /**
   * Withdraws a client application (needs `allowedClients`): its tokens are refused with 401
   * `invalid_token` from the next request on, cached or not — on every instance sharing the store
   * with `allowedClients: 'registry'`, else on this instance.
   */
  revokeClient(clientId: string): Promise<void>
  /** Runs requirements against an authenticated request; throws the first failure (403). */
  authorize(auth: AuthInfo<Claims>, ...requirements: Requirement[]): void
  /**
   * Fetches metadata and keys of the configured issuers now, and runs the store's own startup
   * check (`store.warmUp`), so that configuration problems surface at startup.
   * @throws Error describing what could not be loaded.
   */
  warmUp(): Promise<void>
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
  // Options, validated once, and what every part shares.
  const { logger, events, shared } = resolveOptions(options)
  const { store, now, clockTolerance } = shared

  // The parts, each built from its own options.
  const registry = createIssuerRegistry(options, shared)
  const verifiers = registry.configured
  const onlyIssuer = verifiers.length === 1 ? verifiers[0]?.issuer : undefined
  const dpop = createDpopVerifier(resolveDpopOptions(options.dpop), {
    store,
    logger,
    now,
    clockTolerance,
    publicOrigin: resolvePublicOrigin(options.publicOrigin),
  })
  const extraction = { ...resolveExtraction(options.extraction), dpop: dpop.policy }
  const resourceMetadata = publishedResourceMetadata(options.resourceMetadata, {
    issuers: verifiers.map((v) => v.issuer),
    bearerMethods: bearerMethods(extraction),
    allowInsecureHttp: shared.allowInsecureHttp,
    extra: dpop.metadata,
    audiences: verifiers.flatMap((v) => v.audiences),
    logger,
  })
  const challengeParams = serverChallengeParams(
    options.realm,
    dpop.schemes,
    options.resourceMetadata?.challenge === false ? undefined : resourceMetadata?.url,
  )
  const binding = resolveBindingPolicy(options.binding, logger)
  const denylist =
    options.revocation === true ? createDenylist({ store, logger, now, clockTolerance }) : undefined
  const clients = createClientPolicy(options.allowedClients, { store, logger })
  const cache = createTokenCache(options.cache, {
    clockTolerance,
    maxTokenAge: shared.maxTokenAge,
    now,
  })
  const report = createRequestReporter(events)
  const refusalContext = (scheme: 'Bearer' | 'DPoP'): RefusalContext =>
    Object.freeze({
      challengeParams: dpop.paramsFor(challengeParams, scheme),
      report: report.refusedOnce,
    })
  const verify = createTokenVerification({
    registry,
    cache,
    denylist,
    clients,
    dpop,
    binding,
    certificateOf: createCertificateReader(options.mtls),
    scopeReader: createScopeReader(options.scopes),
    refusalContext: { Bearer: refusalContext('Bearer'), DPoP: refusalContext('DPoP') },
    now,
  })
  const { authenticate, verifyToken } = createAuthentication<Claims>({
    extraction,
    dpop,
    challengeParams,
    challengeScopes: scopeTokens('challengeScopes', options.challengeScopes),
    verify,
    report,
  })

  return {
    issuers: verifiers.map((v) => v.issuer),
    issuer: onlyIssuer,
    audiences: [...new Set(verifiers.flatMap((v) => v.audiences))],
    challengeParams,
    resourceMetadata,
    authenticate: authenticate as ResourceServer<Claims>['authenticate'],
    verifyToken,
    revoke: createRevoke(denylist, {
      defaultIssuer: onlyIssuer,
      accepts: (issuer) => registry.resolves || registry.configuredFor(issuer) !== undefined,
      cache,
    }),
    ...createClientAdministration(clients, cache, clientIdOf),
    authorize(auth, ...requirements) {
      try {
        checkRequirements(auth, requirements)
      } catch (error) {
        report.refusedOnce(error)
        throw error
      }
    },
    async warmUp() {
      await Promise.all([store.warmUp?.(), ...verifiers.map((v) => v.warmUp())])
    },
  }
}
