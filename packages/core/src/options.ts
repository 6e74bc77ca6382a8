import type { BindingPolicy } from './binding.js'
import type { AllowedClients } from './client-policy.js'
import type { DpopOptions, DpopPolicy } from './dpop-verifier.js'
import { ConfigurationError } from './errors.js'
import { createEventSink, type EventHandler, type EventSink } from './events.js'
import { validateExtractionOptions, type ExtractionOptions } from './extract.js'
import { defaultFetch, type FetchLike } from './internal/fetch-json.js'
import { checkNumberOption } from './internal/option-checks.js'
import {
  arrayOf,
  callback,
  count,
  describeValue,
  either,
  exactly,
  flag,
  objectOf,
  shape,
  text,
  type ShapeCheck,
} from './internal/shape.js'
import {
  ISSUER_SHAPE,
  validateIssuerSelection,
  type IssuerSelectionOptions,
} from './issuer-options.js'
import {
  validateMetadataTiming,
  type MetadataTiming,
  type SharedVerification,
} from './issuer-verifier.js'
import type { ClaimValidator } from './jwt-verify.js'
import { consoleLogger, silentLogger, type Logger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import { validateMtlsOptions, type MtlsOptions } from './mtls.js'
import {
  CACHE,
  checkOptionShapes,
  DPOP,
  DPOP_POLICY,
  EXTRACTION,
  JWKS_TIMING,
  LOGGER,
  MTLS,
  RESOURCE_METADATA,
  SCOPES,
  STORE,
  strings,
} from './option-shapes.js'
import { validateJwksTiming, type RemoteJwksTiming } from './remote-jwks.js'
import type { ResourceMetadataOptions } from './resource-metadata.js'
import type { Scope, ScopeOptions } from './scopes.js'
import type { Store } from './store.js'
import { validateCacheOptions, type VerifiedTokenCacheOptions } from './verified-token-cache.js'

export type { IssuerOptions, IssuerResolver, TokenFormat } from './issuer-options.js'

/**
 * Options of {@link createResourceServer}: one issuer (`issuer` and its key options at the top
 * level), several (`issuers`), or issuers chosen per request (`resolveIssuer`).
 */
export interface ResourceServerOptions extends IssuerSelectionOptions {
  /**
   * Accept only tokens typed `at+jwt` (RFC 9068 §4) and require all RFC 9068 claims (`iss`,
   * `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`). By default untyped tokens (`typ` absent or
   * `JWT`, as most issuers still send) are accepted too, and ID-token-shaped JWTs are refused.
   * @default false
   */
  strict?: boolean
  /** Clock skew allowed for `exp`, `nbf` and `iat`, in seconds. @default 5 */
  clockTolerance?: number
  /** Reject tokens whose `iat` is older than this many seconds. */
  maxTokenAge?: number
  /** Claims that must be present in JWTs, in addition to `iss`, `aud` and `exp`. */
  requiredClaims?: readonly string[]
  /** Checks of your own on verified claims, run in order. */
  validators?: readonly ClaimValidator[]
  /** Where scopes are read from, and which scopes imply others. */
  scopes?: ScopeOptions
  /** Token locations besides the Authorization header, and the length limit. */
  extraction?: ExtractionOptions
  /** The `realm` of `WWW-Authenticate` challenges. @default 'api' */
  realm?: string
  /**
   * Scopes named in `scope` of the 401 and 400 challenges of routes that name none themselves
   * (with the per-route `requiredScopes` or `challengeScopes`), so a client knows what to ask for.
   */
  challengeScopes?: readonly Scope[]
  /**
   * Timing of remote JWKS fetches; `jwksTiming.maxAgeMs` is how long fetched keys are used before
   * they are refreshed (in the background). @default { maxAgeMs: 600000 } (10 minutes)
   */
  jwksTiming?: RemoteJwksTiming
  /**
   * How long a fetched authorization server metadata document (RFC 8414 / OpenID discovery) is
   * used before it is fetched again, when it is next needed. @default { maxAgeMs: 86400000 } (24 h)
   */
  metadataTiming?: MetadataTiming
  /** Timeout of metadata requests, in milliseconds. @default 5000 */
  discoveryTimeoutMs?: number
  /**
   * Allow `http:` issuer, metadata, JWKS and introspection URLs outside loopback. Loopback
   * (`127.0.0.1`, `localhost`, `[::1]`) is always allowed. For local testing only.
   * @default false
   */
  allowInsecureHttp?: boolean
  /**
   * Whether metadata, JWKS and introspection requests may go to hosts on private networks:
   * loopback, RFC 1918, unique local (`fc00::/7`), CGNAT (`100.64.0.0/10`), link-local
   * (`169.254.0.0/16`, `fe80::/10`), unspecified and other special-purpose addresses, and
   * `localhost`. With `'refuse'`, an IP literal or `localhost`-like host is refused, and on
   * Node.js a host name is resolved first and refused when any of its addresses is private;
   * other runtimes cannot resolve names and let them through. A refused request makes the
   * token's verification a 503, with the reason logged; nothing is sent.
   *
   * The check happens before the request, which resolves the name again: a DNS server that
   * answers differently the second time (DNS rebinding) can still steer a request inward.
   * Block private ranges at the network too (egress firewall or proxy) where tenants can
   * choose issuers.
   *
   * Unset: `'refuse'` for issuers that `resolveIssuer` returns as options (their URLs may come
   * from tenant-supplied data), `'allow'` for issuers configured here. `'refuse'` or `'allow'`
   * applies to both.
   */
  privateNetworks?: 'refuse' | 'allow'
  /**
   * Where introspection results (`cache` entries, which may be evicted) and security state (DPoP
   * replay markers, the revocation denylist, nonces, registered clients: `state` entries, which
   * must not be) are kept.
   * @default createMemoryStore(): 10,000 cache entries, 100,000 live state entries
   */
  store?: Store
  /**
   * Publish protected resource metadata (RFC 9728) for this API, served by every adapter at
   * `/.well-known/oauth-protected-resource{path}`, and name it in challenges.
   */
  resourceMetadata?: ResourceMetadataOptions
  /**
   * Check a denylist of revoked tokens (by `jti`, and by token hash) in the store on every request;
   * `rs.revoke()` adds to it.
   * @default false
   */
  revocation?: boolean
  /**
   * Accept only tokens issued to these client applications (`client_id`, else `azp`): a token of
   * any other client, or of none, is refused with 401 `invalid_token`, on every request, cached or
   * not. An array is this instance's list; `'registry'` keeps the list in the `store`, shared by
   * every instance, managed with `rs.registerClient()` and `rs.revokeClient()`.
   */
  allowedClients?: AllowedClients
  /**
   * Certificate-bound tokens (RFC 8705) behind a TLS-terminating proxy: read the client
   * certificate from this request header (PEM, URL-encoded PEM or base64 DER) set by the proxy.
   * Only for a header the proxy always overwrites. Off by default: the certificate then comes
   * from the TLS connection itself. With `trustedProxies` (IP addresses), the header is read
   * only from requests whose connection comes from one of them (`RequestLike.remoteAddress`),
   * so a client reaching the app directly cannot forge it; without it, every peer is trusted,
   * which is safe only when the app can be reached through the proxy alone.
   */
  mtls?: MtlsOptions
  /**
   * Sender-constrained tokens. `'checked'` enforces the binding a token carries (`cnf.jkt`: DPoP
   * scheme and a matching proof; `cnf["x5t#S256"]`: the matching client certificate) and accepts
   * unbound tokens. `'required'` also refuses every token that is neither DPoP-bound nor
   * certificate-bound (401 `invalid_token`). `'ignored'` turns the binding checks off: a stolen
   * bound token then works as a plain bearer token. Only for migrations; see the README.
   * @default 'checked'
   */
  binding?: BindingPolicy
  /**
   * DPoP (RFC 9449): `'allowed'` accepts `Authorization: DPoP` with a proof next to Bearer (and
   * refuses DPoP-bound tokens sent as Bearer), `'required'` accepts only DPoP, `'disabled'` only
   * Bearer. Or {@link DpopOptions} for algorithms, the proof age window and server nonces.
   * @default 'allowed'
   */
  dpop?: DpopPolicy | DpopOptions
  /**
   * The origin clients use to reach this API (`https://api.example.com`), against which DPoP
   * proofs' `htu` is checked. Set it behind a reverse proxy or load balancer; without it the
   * origin the framework reports for the request is used (adapters honour the framework's own
   * proxy settings, e.g. Express `trust proxy`).
   */
  publicOrigin?: string
  /**
   * Reuse the verification of a token seen recently (an in-process LRU keyed by the token): the
   * signature, issuer, audience and your `validators` are then checked once per token, while the
   * clock (`exp`, `nbf`, `maxTokenAge`), the revocation denylist, token binding and route
   * requirements are still checked on every request. `false` verifies every request from scratch.
   * @default { maxEntries: 10000, maxTtlSeconds: 300 }
   */
  cache?: VerifiedTokenCacheOptions | false
  /** Where server-side problems are reported; `false` for silence. @default console */
  logger?: Logger | false
  /**
   * Receives a structured event for every decision (authenticated, rejected with its reason,
   * 503s) and for key fetches and cache lookups. Events never contain the token. A handler that
   * throws is logged and ignored. See `@scopeguard/opentelemetry` for spans and metrics.
   */
  onEvent?: EventHandler
  /** The fetch used for metadata, keys and introspection. @default globalThis.fetch */
  fetch?: FetchLike
  /** Clock in milliseconds since the epoch (for tests). @default Date.now */
  now?: () => number
}

/**
 * The shape of {@link ResourceServerOptions}, nested objects included. It lists every key of the
 * type (`satisfies Record<keyof …>`), so the known option names cannot drift from the type.
 */
export const RESOURCE_SERVER_SHAPE = {
  ...ISSUER_SHAPE,
  issuers: arrayOf(objectOf(ISSUER_SHAPE), 'an array of issuer options'),
  resolveIssuer: callback,
  strict: flag,
  clockTolerance: count,
  maxTokenAge: count,
  requiredClaims: strings,
  validators: arrayOf(callback),
  scopes: objectOf(SCOPES),
  extraction: objectOf(EXTRACTION),
  realm: text,
  challengeScopes: strings,
  jwksTiming: objectOf(JWKS_TIMING),
  metadataTiming: objectOf({ maxAgeMs: count } satisfies Record<keyof MetadataTiming, ShapeCheck>),
  discoveryTimeoutMs: count,
  allowInsecureHttp: flag,
  store: STORE,
  resourceMetadata: objectOf(RESOURCE_METADATA),
  revocation: flag,
  allowedClients: either(
    exactly('registry'),
    arrayOf(shape('a non-empty client id', (v) => typeof v === 'string' && v !== '')),
  ),
  privateNetworks: either(exactly('refuse'), exactly('allow')),
  mtls: objectOf(MTLS),
  binding: either(exactly('checked'), exactly('required'), exactly('ignored')),
  dpop: either(DPOP_POLICY, objectOf(DPOP)),
  publicOrigin: text,
  cache: either(exactly(false), objectOf(CACHE)),
  logger: LOGGER,
  onEvent: callback,
  fetch: callback,
  now: callback,
} satisfies Record<keyof ResourceServerOptions, ShapeCheck>

/**
 * Validates options once, at construction, with messages that say what to change: the shape of
 * every option first, then each concern's own rules, checked by the module that owns it.
 * @throws ConfigurationError
 */
export function validateOptions(options: ResourceServerOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(
      `createResourceServer() needs an options object, got ${describeValue(options)}`,
    )
  }
  checkOptionShapes(options, RESOURCE_SERVER_SHAPE, '')
  validateMtlsOptions(options.mtls)
  validateIssuerSelection(options, options.allowInsecureHttp === true)
  checkNumberOption('clockTolerance', options.clockTolerance)
  checkNumberOption('maxTokenAge', options.maxTokenAge, false)
  checkNumberOption('discoveryTimeoutMs', options.discoveryTimeoutMs, false)
  validateExtractionOptions(options.extraction)
  validateJwksTiming(options.jwksTiming)
  validateMetadataTiming(options.metadataTiming)
  if (options.realm !== undefined && (typeof options.realm !== 'string' || options.realm === '')) {
    throw new ConfigurationError('realm must be a non-empty string')
  }
  validateCacheOptions(options.cache)
}

/** What every part of a resource server shares: validated options with their defaults. */
export interface ResolvedOptions {
  readonly logger: Logger
  readonly events: EventSink
  readonly shared: SharedVerification
}

/**
 * Validates the options ({@link validateOptions}) and applies the defaults every part shares.
 * @throws ConfigurationError
 */
export function resolveOptions(options: ResourceServerOptions): ResolvedOptions {
  validateOptions(options)
  const logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger)
  const events = createEventSink(options.onEvent, logger)
  return {
    logger,
    events,
    shared: {
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
      fetch: options.fetch ?? defaultFetch,
      now: options.now ?? Date.now,
    },
  }
}
