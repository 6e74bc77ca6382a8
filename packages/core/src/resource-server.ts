import {
  attachChallengeParams,
  parseActors,
  type AccessTokenClaims,
  type AuthInfo,
} from './auth-info.js'
import { CHALLENGE_SCHEMES, type ChallengeParams } from './challenge.js'
import {
  ConfigurationError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
  TemporarilyUnavailableError,
} from './errors.js'
import { buildResourceMetadata, type ResourceMetadata } from './resource-metadata.js'
import { certificateFromHeader, checkBinding } from './binding.js'
import { createDpopVerifier, resolveDpopOptions, resolvePublicOrigin } from './dpop-verifier.js'
import {
  bearerRefused,
  extractToken,
  resolveExtraction,
  type ExtractionOptions,
  type ResolvedExtraction,
  type TokenSource,
} from './extract.js'
import { createClientPolicy } from './client-policy.js'
import { createIssuerRegistry } from './issuer-registry.js'
import type { IssuerVerifier, SharedVerification } from './issuer-verifier.js'
import { createDenylist, type RevocationTarget } from './revocation.js'
import { consoleLogger, silentLogger } from './logger.js'
import { attachRefusalReporter, createEventSink, monotonicMs, type EventSink } from './events.js'
import { createMemoryStore } from './memory-store.js'
import {
  normalizeAddress,
  topLevelIssuer,
  validateIssuerOptions,
  validateOptions,
  withDefaults,
  type IssuerOptions,
  type ResourceServerOptions,
} from './options.js'
import type { RequestLike } from './request.js'
import { checkRequirements, type Requirement } from './requirements.js'
import { createScopeReader, type Scope } from './scopes.js'
import {
  challengeWithScopes,
  resolveRouteScopes,
  scopeTokens,
  type RouteScopeOptions,
  type RouteScopes,
} from './route-scopes.js'
import {
  createVerifiedTokenCache,
  type VerifiedTokenEntry,
  type VerifiedTokenCache,
} from './verified-token-cache.js'
import type { IssuerVerification } from './issuer-verifier.js'

/** Per-route options of {@link ResourceServer.authenticate}. */
export interface AuthenticateOptions extends ExtractionOptions, RouteScopeOptions {
  /**
   * Let requests without any token through as anonymous (`undefined`). A request that does carry
   * a token is still verified, and an invalid token is still a 401: never silently anonymous.
   * @default false
   */
  optional?: boolean
}

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

/** The client the token was issued to: `client_id` (RFC 9068), else `azp` (OpenID Connect). */
function clientIdOf(claims: Record<string, unknown>): string | undefined {
  const { client_id: clientId, azp } = claims
  return typeof clientId === 'string' ? clientId : typeof azp === 'string' ? azp : undefined
}

/**
 * The resource a token was accepted for (RFC 8707): its first audience the issuer accepts, when
 * that is an absolute URL. None when no audience is configured (nothing was checked).
 */
function acceptedResource(
  audience: readonly string[],
  accepted: readonly string[],
): string | undefined {
  if (accepted.length === 0) return undefined
  for (const value of audience) {
    if (accepted.includes(value)) return URL.canParse(value) ? value : undefined
  }
  return undefined
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
  const logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger)
  const events: EventSink = createEventSink(options.onEvent, logger)
  const shared: SharedVerification = {
    strict: options.strict === true,
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge,
    requiredClaims: options.requiredClaims ?? [],
    validators: options.validators ?? [],
    jwksTiming: options.jwksTiming,
    metadataTiming: options.metadataTiming,
    discoveryTimeoutMs: options.discoveryTimeoutMs,
    allowInsecureHttp: options.allowInsecureHttp === true,
    store: options.store ?? createMemoryStore({ maxEntries: 10_000 }),
    logger,
    events,
    fetch: options.fetch ?? globalThis.fetch,
    now: options.now ?? Date.now,
  }

  const registry = createIssuerRegistry(options, shared)
  const verifiers = registry.configured
  const onlyVerifier = verifiers.length === 1 ? verifiers[0] : undefined

  const dpop = createDpopVerifier(resolveDpopOptions(options.dpop), {
    store: shared.store,
    logger,
    now: shared.now,
    clockTolerance: shared.clockTolerance,
    publicOrigin: resolvePublicOrigin(options.publicOrigin),
  })
  if (dpop.policy !== 'disabled' && options.publicOrigin === undefined) {
    logger.warn(
      `DPoP is ${dpop.policy === 'required' ? 'required' : 'allowed (the default)'} and publicOrigin is not set, so DPoP proofs are checked against the scheme and Host header each request arrived with. Set publicOrigin to the origin clients use (e.g. "https://api.example.com"), above all behind a proxy; or set dpop: 'disabled' if this API does not accept DPoP`,
    )
  }
  /** Requests whose token came with the DPoP scheme (set by authenticate, read by verify). */
  const dpopRequests = new WeakSet<RequestLike>()
  const scopeReader = createScopeReader(options.scopes)
  const baseExtraction = { ...resolveExtraction(options.extraction), dpop: dpop.policy }
  const resourceMetadata =
    options.resourceMetadata === undefined
      ? undefined
      : buildResourceMetadata(options.resourceMetadata, {
          issuers: verifiers.map((v) => v.issuer),
          bearerMethods: [
            'header',
            ...(baseExtraction.body ? ['body'] : []),
            ...(baseExtraction.queryParam !== undefined ? ['query'] : []),
          ],
          allowInsecureHttp: shared.allowInsecureHttp,
          extra: dpop.metadata,
        })
  // Clients that read the metadata ask the authorization server for tokens for `resource`
  // (RFC 8707), which then becomes their `aud`: a resource this server does not accept as an
  // audience leads every such client to tokens it refuses.
  const configuredAudiences = verifiers.flatMap((v) => v.audiences)
  if (
    resourceMetadata !== undefined &&
    configuredAudiences.length > 0 &&
    !configuredAudiences.includes(resourceMetadata.document['resource'] as string)
  ) {
    logger.warn(
      `the protected resource metadata names resource ${String(resourceMetadata.document['resource'])}, which is not an accepted audience (${configuredAudiences.join(', ')}); clients that follow the metadata will get tokens this server refuses`,
    )
  }
  const challengeParams: ChallengeParams = Object.freeze({
    [CHALLENGE_SCHEMES]: dpop.schemes,
    realm: options.realm ?? 'api',
    ...(resourceMetadata !== undefined && options.resourceMetadata?.challenge !== false
      ? { resource_metadata: resourceMetadata.url }
      : {}),
  })
  // Authentication errors of routes without scope options name the server's challengeScopes.
  const serverScopes = scopeTokens('challengeScopes', options.challengeScopes)
  const serverRoute: RouteScopes = {
    requirement: undefined,
    challenge: challengeWithScopes(challengeParams, serverScopes),
  }
  const revocation = options.revocation === true
  const binding = options.binding ?? 'checked'
  if (binding === 'ignored') {
    logger.warn(
      "binding: 'ignored' turns off token binding checks: a stolen DPoP-bound or certificate-bound token is accepted as a plain Bearer token. Use it only while migrating, and return to 'checked'",
    )
  }
  const certificateHeader = options.mtls?.certificateHeader
  const trustedProxies =
    options.mtls?.trustedProxies === undefined
      ? undefined
      : new Set(options.mtls.trustedProxies.map(normalizeAddress))
  /** The certificate a trusted proxy passed in the configured header, if any. */
  function proxiedCertificate(request: RequestLike): Uint8Array | undefined {
    if (certificateHeader === undefined) return undefined
    if (trustedProxies !== undefined) {
      const peer = request.remoteAddress
      if (peer === undefined || !trustedProxies.has(normalizeAddress(peer))) return undefined
    }
    return certificateFromHeader(request, certificateHeader)
  }
  const denylist =
    options.revocation === true
      ? createDenylist({
          store: shared.store,
          logger,
          now: shared.now,
          clockTolerance: shared.clockTolerance,
        })
      : undefined
  const clients = createClientPolicy(options.allowedClients, { store: shared.store, logger })

  type CacheEntry = VerifiedTokenEntry<IssuerVerifier, IssuerVerification>
  const tokenCache: VerifiedTokenCache<IssuerVerifier, IssuerVerification> | undefined =
    options.cache === false
      ? undefined
      : createVerifiedTokenCache({
          ...options.cache,
          clockTolerance: shared.clockTolerance,
          maxTokenAge: shared.maxTokenAge,
          now: shared.now,
        })

  /** The token's verification: from the cache (checked against the clock) or done now. */
  async function verified(
    token: string,
    request: RequestLike | undefined,
  ): Promise<{ verifier: IssuerVerifier; result: IssuerVerification; entry?: CacheEntry }> {
    const entry = tokenCache?.get(token)
    // Without resolveIssuer the token alone picks its verifier, so a hit needs no lookup.
    const verifier =
      entry !== undefined && !registry.resolves
        ? entry.owner
        : await registry.select(token, request)
    if (entry !== undefined && entry.owner === verifier) {
      return { verifier, result: entry.value, entry }
    }
    const result = await verifier.verify(token)
    if (tokenCache !== undefined && (result.format === 'jwt' || verifier.introspectionReuseMs)) {
      const { claims } = result
      tokenCache.set(token, verifier, result, {
        exp: claims['exp'],
        nbf: claims['nbf'],
        iat: claims['iat'],
        // An introspection answer's reuse counts from when it was asked for, wherever it was
        // read from (the endpoint, or the shared store after another instance asked).
        ...(result.format === 'opaque'
          ? {
              notAfter:
                (result.obtainedAt ?? shared.now()) + (verifier.introspectionReuseMs as number),
              keepOnFirstSight: true,
            }
          : {}),
      })
    }
    return { verifier, result }
  }

  const perRoute = new WeakMap<AuthenticateOptions, ResolvedExtraction>()
  const routeScopes = new WeakMap<AuthenticateOptions, RouteScopes>()
  function scopesFor(routeOptions: AuthenticateOptions | undefined): RouteScopes {
    if (
      routeOptions === undefined ||
      (routeOptions.requiredScopes === undefined && routeOptions.challengeScopes === undefined)
    ) {
      return serverRoute
    }
    let resolved = routeScopes.get(routeOptions)
    if (resolved === undefined) {
      resolved = resolveRouteScopes(routeOptions, challengeParams, serverScopes)
      routeScopes.set(routeOptions, resolved)
    }
    return resolved
  }

  function extractionFor(routeOptions: AuthenticateOptions | undefined): ResolvedExtraction {
    if (routeOptions === undefined) return baseExtraction
    let resolvedExtraction = perRoute.get(routeOptions)
    if (resolvedExtraction === undefined) {
      resolvedExtraction = resolveExtraction(routeOptions, baseExtraction)
      perRoute.set(routeOptions, resolvedExtraction)
    }
    return resolvedExtraction
  }

  async function verify(
    token: string,
    source: TokenSource,
    request: RequestLike | undefined,
  ): Promise<AuthInfo<Claims>> {
    const scheme = request !== undefined && dpopRequests.has(request) ? 'DPoP' : 'Bearer'
    try {
      return await verifyPresented(token, source, request, scheme)
    } catch (error) {
      throw dpop.markScheme(error, scheme)
    }
  }

  async function verifyPresented(
    token: string,
    source: TokenSource,
    request: RequestLike | undefined,
    scheme: 'Bearer' | 'DPoP',
  ): Promise<AuthInfo<Claims>> {
    // The policy extraction applies to authenticate() holds for verifyToken() too.
    if (scheme === 'Bearer' && dpop.policy === 'required') throw bearerRefused()
    // The proof first: it is cheap to refuse, and a missing nonce must be asked for first.
    const proof =
      scheme === 'DPoP' ? await dpop.verifyProof(request as RequestLike, token) : undefined
    const { verifier, result, entry } = await verified(token, request)
    const { claims: raw, header, format } = result
    if (denylist !== undefined) {
      const hash = await denylist.check(token, verifier.issuer, raw['jti'], entry?.hash)
      if (entry !== undefined) entry.hash = hash
    }
    const clientId = clientIdOf(raw)
    if (clients !== undefined) await clients.check(clientId)
    await checkBinding(
      raw,
      {
        scheme,
        clientCertificate:
          request === undefined
            ? undefined
            : (request.clientCertificate ?? proxiedCertificate(request)),
      },
      binding,
    )
    if (proof !== undefined) await dpop.bindAndRecord(raw, proof)
    else dpop.checkBearer(request)
    const claims = raw as AccessTokenClaims & Claims
    // A cached token's scopes are read once, on its first hit (frozen, as hits share them).
    const scopes = entry?.scopes ?? scopeReader.granted(claims)
    if (entry !== undefined && entry.scopes === undefined) entry.scopes = Object.freeze(scopes)
    const aud = claims.aud
    const audience: readonly string[] =
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : []
    const resource = acceptedResource(audience, verifier.audiences)
    const auth: AuthInfo<Claims> = {
      token,
      tokenType: scheme,
      source,
      format,
      claims,
      header,
      subject: typeof claims.sub === 'string' ? claims.sub : undefined,
      clientId: clientId ?? '',
      issuer: verifier.issuer,
      audience,
      // Each request gets its own array: cache hits share the frozen original.
      scopes: [...scopes] as Scope[],
      effectiveScopes: scopeReader.effective(scopes),
      expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
      issuedAt: typeof claims.iat === 'number' ? claims.iat : undefined,
      resource: resource === undefined ? undefined : new URL(resource),
      extra: claims,
      actors: parseActors(claims.act),
      mayAct:
        typeof claims.may_act === 'object' && claims.may_act !== null ? claims.may_act : undefined,
      confirmation: typeof claims.cnf === 'object' && claims.cnf !== null ? claims.cnf : undefined,
    }
    if (proof !== undefined) {
      auth.dpop = { thumbprint: proof.thumbprint, jwk: proof.jwk, algorithm: proof.algorithm }
      auth.responseHeaders = await dpop.successHeaders(proof)
    }
    attachChallengeParams(auth, dpop.paramsFor(challengeParams, scheme))
    return auth
  }

  function withChallenge(error: unknown, params: Readonly<ChallengeParams>): unknown {
    return isOAuthError(error) ? error.withChallenge(params) : error
  }

  /** Reports a refused request (`rejected`, or `upstream_unavailable` for a 503). */
  function reportFailure(error: unknown, started: number): void {
    if (!events.enabled || !isOAuthError(error)) return
    events.emit({
      type: error.status === 503 ? 'upstream_unavailable' : 'rejected',
      code: error.code,
      status: error.status,
      ...(error.reason === undefined ? {} : { reason: error.reason }),
      ...(started < 0 ? {} : { durationMs: monotonicMs() - started }),
    })
  }

  const reportedRefusals = new WeakSet<object>()
  /** Reports a requirement's refusal once, whether an adapter or `authorize()` ran it. */
  function reportRefusalOnce(error: unknown): void {
    if (typeof error !== 'object' || error === null || reportedRefusals.has(error)) return
    reportedRefusals.add(error)
    reportFailure(error, -1)
  }

  /** Verifies, reporting the outcome as an event. */
  async function verifyReported(
    token: string,
    source: TokenSource,
    request: RequestLike | undefined,
    started: number,
    challenge: Readonly<ChallengeParams>,
  ): Promise<AuthInfo<Claims>> {
    try {
      const auth = await verify(token, source, request)
      if (events.enabled) {
        events.emit({
          type: 'authenticated',
          issuer: auth.issuer,
          format: auth.format,
          ...(auth.clientId === '' ? {} : { clientId: auth.clientId }),
          durationMs: monotonicMs() - started,
        })
        attachRefusalReporter(auth, reportRefusalOnce)
      }
      return auth
    } catch (error) {
      const challenged = withChallenge(error, challenge)
      reportFailure(challenged, started)
      throw challenged
    }
  }

  async function authenticate(
    request: RequestLike,
    routeOptions?: AuthenticateOptions,
  ): Promise<AuthInfo<Claims> | undefined> {
    const started = events.enabled ? monotonicMs() : 0
    const route = scopesFor(routeOptions)
    let extracted
    try {
      extracted = extractToken(request, extractionFor(routeOptions))
    } catch (error) {
      if (routeOptions?.optional === true && error instanceof MissingTokenError) return undefined
      const challenged = withChallenge(
        dpop.markScheme(error, dpop.schemeOf(request)),
        route.challenge,
      )
      reportFailure(challenged, -1)
      throw challenged
    }
    if (extracted.scheme === 'DPoP') dpopRequests.add(request)
    const auth = await verifyReported(
      extracted.token,
      extracted.source,
      request,
      started,
      route.challenge,
    )
    // The route's own scopes: a 403 naming them (reported like any requirement's refusal).
    route.requirement?.check(auth)
    return auth
  }

  return {
    issuers: verifiers.map((v) => v.issuer),
    issuer: onlyVerifier?.issuer,
    audiences: [...new Set(verifiers.flatMap((v) => v.audiences))],
    challengeParams,
    resourceMetadata,
    authenticate: authenticate as ResourceServer<Claims>['authenticate'],
    async verifyToken(token, source = 'header', request) {
      // The token counts as DPoP when the request carries it with the DPoP scheme (its proof is
      // then checked, bound to this token); anything else is Bearer, under the same policy.
      if (
        request !== undefined &&
        dpop.policy !== 'disabled' &&
        dpop.schemeOf(request) === 'DPoP'
      ) {
        dpopRequests.add(request)
      }
      return verifyReported(
        token,
        source,
        request,
        events.enabled ? monotonicMs() : 0,
        serverRoute.challenge,
      )
    },
    async revoke(target) {
      if (denylist === undefined) {
        throw new ConfigurationError('revoke() needs the revocation: true option')
      }
      if ('token' in target) {
        await denylist.revoke(target, undefined)
        // Hits consult the denylist too (it may be shared by other instances); dropping is a bonus.
        tokenCache?.delete(target.token)
        return
      }
      const issuer = target.issuer ?? onlyVerifier?.issuer
      if (
        issuer !== undefined &&
        !registry.resolves &&
        registry.configuredFor(issuer) === undefined
      ) {
        throw new ConfigurationError(
          `revoke({ jti, issuer }) names issuer ${JSON.stringify(issuer)}, which is not configured`,
        )
      }
      await denylist.revoke(target, issuer)
      const { jti } = target
      tokenCache?.deleteWhere((e) => e.owner.issuer === issuer && e.value.claims['jti'] === jti)
    },
    async registerClient(clientId) {
      if (clients === undefined) {
        throw new ConfigurationError('registerClient() needs the allowedClients option')
      }
      await clients.register(clientId)
    },
    async revokeClient(clientId) {
      if (clients === undefined) {
        throw new ConfigurationError('revokeClient() needs the allowedClients option')
      }
      await clients.revoke(clientId)
      tokenCache?.deleteWhere((e) => clientIdOf(e.value.claims) === clientId)
    },
    authorize(auth, ...requirements) {
      try {
        checkRequirements(auth, requirements)
      } catch (error) {
        reportRefusalOnce(error)
        throw error
      }
    },
    async warmUp() {
      await Promise.all([shared.store.warmUp?.(), ...verifiers.map((v) => v.warmUp())])
    },
  }
}
