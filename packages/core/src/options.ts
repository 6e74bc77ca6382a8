import type { JSONWebKeySet } from 'jose'
import type { AllowedClients } from './client-policy.js'
import { ConfigurationError } from './errors.js'
import type { ExtractionOptions } from './extract.js'
import type { FetchLike } from './internal/fetch-json.js'
import type { ClaimValidator } from './jwt-verify.js'
import type { DpopOptions, DpopPolicy } from './dpop-verifier.js'
import { ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS } from './key-source.js'
import type { EventHandler } from './events.js'
import type { Logger } from './logger.js'
import type { BindingPolicy } from './binding.js'
import type { MetadataTiming } from './issuer-verifier.js'
import { parsePublicKeys } from './public-key.js'
import type { RemoteJwksTiming } from './remote-jwks.js'
import type { IntrospectionOptions } from './introspection.js'
import type { RequestLike } from './request.js'
import type { Scope, ScopeOptions } from './scopes.js'
import type { ResourceMetadataOptions } from './resource-metadata.js'
import type { Store } from './store.js'
import { describeValue } from './internal/shape.js'
import {
  checkOptionShapes,
  ISSUER_KEYS,
  ISSUER_SHAPE,
  RESOURCE_SERVER_SHAPE,
} from './option-shapes.js'
import { redactText, upstreamUrlProblem } from './url-policy.js'
import type { VerifiedTokenCacheOptions } from './verified-token-cache.js'

/** How tokens are verified: locally as JWTs, by introspection, or JWT-shaped ones locally and the rest by introspection. */
export type TokenFormat = 'jwt' | 'opaque' | 'auto'

/**
 * One trusted issuer: its identifier, this API's audience for it, and where its keys (or its
 * introspection endpoint) are. Keys come from exactly one of `jwksUri`, `jwks`, `secret` or
 * `publicKey`; with none of them, the JWKS URI is discovered from the issuer's metadata when a JWT
 * arrives.
 */
export interface IssuerOptions {
  /** The issuer identifier, compared exactly with each token's `iss` (no normalisation). */
  issuer: string
  /** This API's identifier(s) for this issuer. @default the resource server's `audience` */
  audience?: string | readonly string[]
  /** The issuer's JWKS URL. Without it (and without `jwks`/`secret`), it is discovered. */
  jwksUri?: string
  /** A fixed JWK Set of public keys. */
  jwks?: JSONWebKeySet
  /** A shared secret for HS256/384/512 tokens (at least the hash size in bytes). */
  secret?: string | Uint8Array
  /**
   * The issuer's public key as SPKI PEM text (`-----BEGIN PUBLIC KEY-----`), or several during a
   * key rotation: RSA (2048 bits or more; verifies RS and PS), EC P-256/384/521 (ES256/384/512)
   * or Ed25519 (EdDSA). PEM keys have no `kid`: each key whose type fits the token's `alg` is
   * tried. Checked at construction; HMAC tokens are never verified with it.
   */
  publicKey?: string | readonly string[]
  /** Fetch metadata from this URL instead of the issuer's well-known locations. */
  metadataUrl?: string
  /**
   * Accepted signing algorithms. `none` is never accepted; HS algorithms only with `secret`.
   * @default all of RS, PS, ES (256/384/512) and EdDSA; or ['HS256'] with `secret`
   */
  algorithms?: readonly string[]
  /** Verify opaque tokens by token introspection (RFC 7662) at this issuer. */
  introspection?: IntrospectionOptions
  /**
   * Which tokens are verified how. `auto` verifies JWT-shaped tokens locally and introspects the
   * rest; `opaque` introspects everything.
   * @default 'auto' with `introspection`, else 'jwt'
   */
  tokenFormat?: TokenFormat
}

/** Picks the issuer configuration for a request (tenants by host, path or header). */
export type IssuerResolver = (
  request: RequestLike,
) => string | IssuerOptions | undefined | Promise<string | IssuerOptions | undefined>

/**
 * Options of {@link createResourceServer}: one issuer (`issuer` and its key options at the top
 * level), several (`issuers`), or issuers chosen per request (`resolveIssuer`).
 */
export interface ResourceServerOptions extends Partial<IssuerOptions> {
  /** The issuer identifier, for a resource server that trusts one issuer. */
  issuer?: string
  /**
   * Several trusted issuers. A JWT's unverified `iss` only selects among them: keys and metadata
   * are never fetched for an issuer that is not listed.
   */
  issuers?: readonly IssuerOptions[]
  /**
   * Chooses the issuer per request: return an issuer identifier from `issuers`, a full
   * {@link IssuerOptions} (built once per distinct effective configuration — never shared with
   * another configuration of the same issuer — and reused, up to 1,000), or undefined when the
   * request belongs to no known tenant (401). Returned options are treated as tenant-supplied:
   * see `privateNetworks`.
   */
  resolveIssuer?: IssuerResolver
  /** This API's identifier(s); a token's `aud` must contain one of them. */
  audience?: string | readonly string[]
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
  mtls?: { certificateHeader?: string; trustedProxies?: readonly string[] }
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

function url(name: string, value: unknown, allowInsecure: boolean, bareIssuer = false): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`${name} must be a URL string, got ${describe(value)}`)
  }
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new ConfigurationError(`${name} is not a valid URL: ${JSON.stringify(redactText(value))}`)
  }
  const problem = upstreamUrlProblem(parsed, allowInsecure)
  if (problem !== undefined) throw new ConfigurationError(`${name}: ${problem}`)
  if (bareIssuer && (parsed.search !== '' || parsed.hash !== '')) {
    throw new ConfigurationError(`${name} must not have a query or fragment (RFC 8414 §2)`)
  }
  return parsed
}

const describe = describeValue

function positive(name: string, value: unknown, allowZero = true): void {
  if (value === undefined) return
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new ConfigurationError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${describe(value)}`,
    )
  }
}

const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt']

/**
 * Validates one issuer's options (with the resource server's defaults already merged in).
 * @param where how to name the options in messages, e.g. `issuers[1]`
 * @throws ConfigurationError
 */
export function validateIssuerOptions(
  options: IssuerOptions,
  where: string,
  allowInsecureHttp: boolean,
): void {
  const name = (key: string): string => (where === '' ? key : `${where}.${key}`)
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(
      `${where} must be an object with an issuer, got ${describe(options)}`,
    )
  }
  checkOptionShapes(options, ISSUER_SHAPE, where)
  url(name('issuer'), options.issuer, allowInsecureHttp, true)
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((a) => typeof a !== 'string' || a === '')
  ) {
    throw new ConfigurationError(
      `${name('audience')} must be this API's identifier (a non-empty string or array of strings), got ${describe(options.audience)}`,
    )
  }
  const sources = (['jwksUri', 'jwks', 'secret', 'publicKey'] as const).filter(
    (k) => options[k] !== undefined,
  )
  if (sources.length > 1) {
    throw new ConfigurationError(`give only one key source; got ${sources.map(name).join(' and ')}`)
  }
  if (options.jwksUri !== undefined) url(name('jwksUri'), options.jwksUri, allowInsecureHttp)
  if (options.metadataUrl !== undefined)
    url(name('metadataUrl'), options.metadataUrl, allowInsecureHttp)
  if (
    options.secret !== undefined &&
    typeof options.secret !== 'string' &&
    !(options.secret instanceof Uint8Array)
  ) {
    throw new ConfigurationError(`${name('secret')} must be a string or a Uint8Array`)
  }
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
      throw new ConfigurationError(
        `${name('algorithms')} must be a non-empty array, e.g. ["RS256"]`,
      )
    }
    const allowed = options.secret !== undefined ? SYMMETRIC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
    for (const alg of options.algorithms) {
      if (alg === 'none') throw new ConfigurationError('algorithm "none" is never accepted')
      if (!allowed.includes(alg)) {
        throw new ConfigurationError(
          options.secret !== undefined
            ? `algorithm ${JSON.stringify(alg)} cannot be used with a secret; use ${SYMMETRIC_ALGORITHMS.join(', ')}`
            : SYMMETRIC_ALGORITHMS.includes(alg)
              ? `algorithm ${alg} needs a shared secret (the secret option); public keys never verify HMAC tokens`
              : `unsupported algorithm ${JSON.stringify(alg)}; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
        )
      }
    }
  }
  if (options.publicKey !== undefined) {
    parsePublicKeys(
      options.publicKey,
      options.algorithms ?? ASYMMETRIC_ALGORITHMS,
      name('publicKey'),
    )
  }
  const format = options.tokenFormat
  if (format !== undefined && !['jwt', 'opaque', 'auto'].includes(format)) {
    throw new ConfigurationError(`${name('tokenFormat')} must be 'jwt', 'opaque' or 'auto'`)
  }
  const introspection = options.introspection
  if (introspection === undefined) {
    if (format === 'opaque' || format === 'auto') {
      throw new ConfigurationError(
        `${name('tokenFormat')} '${format}' needs ${name('introspection')} settings to check opaque tokens`,
      )
    }
    return
  }
  const at = (key: string): string => name(`introspection.${key}`)
  if (typeof introspection.clientId !== 'string' || introspection.clientId === '') {
    throw new ConfigurationError(
      `${at('clientId')} is required: this API's client id at the authorization server`,
    )
  }
  if (introspection.endpoint !== undefined)
    url(at('endpoint'), introspection.endpoint, allowInsecureHttp)
  const method =
    introspection.authMethod ??
    (introspection.privateKey !== undefined && introspection.clientSecret === undefined
      ? 'private_key_jwt'
      : 'client_secret_basic')
  if (!CLIENT_AUTH_METHODS.includes(method)) {
    throw new ConfigurationError(
      `${at('authMethod')} must be one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    )
  }
  if (method === 'private_key_jwt') {
    if (introspection.privateKey === undefined) {
      throw new ConfigurationError(`${at('privateKey')} is required for private_key_jwt`)
    }
  } else if (typeof introspection.clientSecret !== 'string' || introspection.clientSecret === '') {
    throw new ConfigurationError(`${at('clientSecret')} is required for ${method}`)
  }
  if (introspection.cache !== undefined && introspection.cache !== false) {
    positive(at('cache.maxTtlSeconds'), introspection.cache.maxTtlSeconds)
    positive(at('cache.negativeTtlSeconds'), introspection.cache.negativeTtlSeconds)
  }
  positive(at('timeoutMs'), introspection.timeoutMs, false)
  positive(at('retryAfterMs'), introspection.retryAfterMs)
  if (introspection.jwtResponse === true && options.secret !== undefined) {
    throw new ConfigurationError(
      `${at('jwtResponse')} needs the issuer's public keys, not a secret`,
    )
  }
}

/** The issuer options given at the top level, merged with the resource server's defaults. */
export function topLevelIssuer(options: ResourceServerOptions): IssuerOptions | undefined {
  if (options.issuer === undefined) return undefined
  const issuer: Record<string, unknown> = {}
  for (const key of ISSUER_KEYS) {
    const value = (options as Record<string, unknown>)[key]
    if (value !== undefined) issuer[key] = value
  }
  return issuer as unknown as IssuerOptions
}

/** An issuer from `issuers` or a resolver, with the resource server's `audience` as default. */
export function withDefaults(issuer: IssuerOptions, options: ResourceServerOptions): IssuerOptions {
  return issuer.audience !== undefined || options.audience === undefined
    ? issuer
    : { ...issuer, audience: options.audience }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
export function normalizeAddress(address: string): string {
  const lower = address.trim().toLowerCase()
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower
}

function validateMtls(mtls: ResourceServerOptions['mtls']): void {
  if (mtls === undefined) return
  const { certificateHeader, trustedProxies } = mtls
  if (
    certificateHeader !== undefined &&
    (typeof certificateHeader !== 'string' ||
      !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(certificateHeader))
  ) {
    throw new ConfigurationError(
      `mtls.certificateHeader must be a header name, got ${JSON.stringify(certificateHeader)}`,
    )
  }
  if (trustedProxies === undefined) return
  if (certificateHeader === undefined) {
    throw new ConfigurationError('mtls.trustedProxies needs mtls.certificateHeader')
  }
  if (
    !Array.isArray(trustedProxies) ||
    trustedProxies.length === 0 ||
    trustedProxies.some((address) => typeof address !== 'string' || address.trim() === '')
  ) {
    throw new ConfigurationError(
      'mtls.trustedProxies must be a non-empty array of IP addresses (e.g. ["10.0.0.5"])',
    )
  }
}

/**
 * Validates options once, at construction, with messages that say what to change.
 * @throws ConfigurationError
 */
export function validateOptions(options: ResourceServerOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(
      `createResourceServer() needs an options object, got ${describe(options)}`,
    )
  }
  checkOptionShapes(options, RESOURCE_SERVER_SHAPE, '')
  validateMtls(options.mtls)
  const insecure = options.allowInsecureHttp === true
  if (options.issuer !== undefined && options.issuers !== undefined) {
    throw new ConfigurationError('give either issuer or issuers, not both')
  }
  const single = topLevelIssuer(options)
  if (single !== undefined) validateIssuerOptions(single, '', insecure)
  else {
    const keyOptions = ISSUER_KEYS.filter(
      (key) => key !== 'audience' && (options as Record<string, unknown>)[key] !== undefined,
    )
    if (keyOptions.length > 0) {
      throw new ConfigurationError(
        `${keyOptions.join(', ')} belong to an issuer: set issuer, or move them into issuers[]`,
      )
    }
  }
  if (options.issuers !== undefined) {
    if (!Array.isArray(options.issuers) || options.issuers.length === 0) {
      throw new ConfigurationError('issuers must be a non-empty array of issuer options')
    }
    const seen = new Set<string>()
    let introspecting = 0
    options.issuers.forEach((issuer, index) => {
      validateIssuerOptions(withDefaults(issuer, options), `issuers[${index}]`, insecure)
      if (seen.has(issuer.issuer)) {
        throw new ConfigurationError(`issuers lists ${issuer.issuer} twice`)
      }
      seen.add(issuer.issuer)
      if (issuer.introspection !== undefined) introspecting++
    })
    if (introspecting > 1 && options.resolveIssuer === undefined) {
      throw new ConfigurationError(
        'several issuers introspect opaque tokens, and an opaque token does not say which issuer it is from: add resolveIssuer to choose per request',
      )
    }
  }
  if (
    single === undefined &&
    options.issuers === undefined &&
    options.resolveIssuer === undefined
  ) {
    throw new ConfigurationError(
      'issuer is required: the authorization server whose tokens this API accepts (or issuers, or resolveIssuer)',
    )
  }
  if (options.audience !== undefined && single === undefined) {
    const list = typeof options.audience === 'string' ? [options.audience] : options.audience
    if (
      !Array.isArray(list) ||
      list.length === 0 ||
      list.some((a) => typeof a !== 'string' || a === '')
    ) {
      throw new ConfigurationError('audience must be a non-empty string or array of strings')
    }
  }
  positive('clockTolerance', options.clockTolerance)
  positive('maxTokenAge', options.maxTokenAge, false)
  positive('discoveryTimeoutMs', options.discoveryTimeoutMs, false)
  const extraction = options.extraction
  if (extraction !== undefined) {
    positive('extraction.maxTokenLength', extraction.maxTokenLength, false)
    const q = extraction.query
    if (
      q !== undefined &&
      typeof q !== 'boolean' &&
      (typeof q !== 'string' || !/^[\w.~-]+$/.test(q))
    ) {
      throw new ConfigurationError('extraction.query must be a boolean or a query parameter name')
    }
  }
  const timing = options.jwksTiming
  if (timing !== undefined) {
    for (const key of [
      'timeoutMs',
      'cooldownMs',
      'refetchBurst',
      'maxAgeMs',
      'retryAfterMs',
    ] as const) {
      positive(`jwksTiming.${key}`, timing[key])
    }
    const burst = timing.refetchBurst
    if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1)) {
      throw new ConfigurationError(
        `jwksTiming.refetchBurst must be a whole number of at least 1, got ${describe(burst)}`,
      )
    }
  }
  positive('metadataTiming.maxAgeMs', options.metadataTiming?.maxAgeMs, false)
  if (options.realm !== undefined && (typeof options.realm !== 'string' || options.realm === '')) {
    throw new ConfigurationError('realm must be a non-empty string')
  }
  const cache = options.cache
  if (cache !== undefined && cache !== false) {
    if (
      cache.maxEntries !== undefined &&
      (!Number.isInteger(cache.maxEntries) || cache.maxEntries < 1)
    ) {
      throw new ConfigurationError(
        `cache.maxEntries must be a positive integer, got ${describe(cache.maxEntries)}; use cache: false to turn the cache off`,
      )
    }
    positive('cache.maxTtlSeconds', cache.maxTtlSeconds, false)
  }
}
