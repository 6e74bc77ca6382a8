import type { JSONWebKeySet } from 'jose'
import { ConfigurationError } from './errors.js'
import { checkUrlOption, isAudience } from './internal/option-checks.js'
import { describeValue, isPlainObject, shape, text, type ShapeCheck } from './internal/shape.js'
import { validateIntrospectionOptions, type IntrospectionOptions } from './introspection.js'
import { ASYMMETRIC_ALGORITHMS, SYMMETRIC_ALGORITHMS } from './key-source.js'
import {
  checkOptionShapes,
  INTROSPECTION_SHAPE,
  SECRET_SHAPE,
  strings,
  stringOrStrings,
} from './option-shapes.js'
import { parsePublicKeys } from './public-key.js'
import type { RequestLike } from './request.js'

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
 * Which issuers a resource server trusts: one (`issuer` and its key options at the top level),
 * several (`issuers`), or issuers chosen per request (`resolveIssuer`).
 */
export interface IssuerSelectionOptions extends Partial<IssuerOptions> {
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
}

/** The shape of one issuer's options (`issuers[n]`, or the top level). */
export const ISSUER_SHAPE = {
  issuer: text,
  audience: stringOrStrings,
  jwksUri: text,
  jwks: shape('a JWK Set ({ keys: [...] })', (v) => isPlainObject(v) && Array.isArray(v['keys'])),
  secret: SECRET_SHAPE,
  publicKey: shape(
    'an SPKI PEM string or an array of them',
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((pem) => typeof pem === 'string')),
  ),
  metadataUrl: text,
  algorithms: strings,
  introspection: INTROSPECTION_SHAPE,
  tokenFormat: text,
} satisfies Record<keyof IssuerOptions, ShapeCheck>

/** The option names an issuer accepts, in the order of {@link IssuerOptions}. */
export const ISSUER_KEYS = Object.keys(ISSUER_SHAPE) as (keyof IssuerOptions)[]

function checkAlgorithms(options: IssuerOptions, name: (key: string) => string): void {
  if (options.algorithms === undefined) return
  if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
    throw new ConfigurationError(`${name('algorithms')} must be a non-empty array, e.g. ["RS256"]`)
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
      `${where} must be an object with an issuer, got ${describeValue(options)}`,
    )
  }
  checkOptionShapes(options, ISSUER_SHAPE, where)
  checkUrlOption(name('issuer'), options.issuer, allowInsecureHttp, true)
  if (!isAudience(options.audience)) {
    throw new ConfigurationError(
      `${name('audience')} must be this API's identifier (a non-empty string or array of strings), got ${describeValue(options.audience)}`,
    )
  }
  const sources = (['jwksUri', 'jwks', 'secret', 'publicKey'] as const).filter(
    (k) => options[k] !== undefined,
  )
  if (sources.length > 1) {
    throw new ConfigurationError(`give only one key source; got ${sources.map(name).join(' and ')}`)
  }
  if (options.jwksUri !== undefined) {
    checkUrlOption(name('jwksUri'), options.jwksUri, allowInsecureHttp)
  }
  if (options.metadataUrl !== undefined) {
    checkUrlOption(name('metadataUrl'), options.metadataUrl, allowInsecureHttp)
  }
  if (
    options.secret !== undefined &&
    typeof options.secret !== 'string' &&
    !(options.secret instanceof Uint8Array)
  ) {
    throw new ConfigurationError(`${name('secret')} must be a string or a Uint8Array`)
  }
  checkAlgorithms(options, name)
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
  if (options.introspection !== undefined) {
    validateIntrospectionOptions(
      options.introspection,
      (key) => name(`introspection.${key}`),
      allowInsecureHttp,
      options.secret !== undefined,
    )
  } else if (format === 'opaque' || format === 'auto') {
    throw new ConfigurationError(
      `${name('tokenFormat')} '${format}' needs ${name('introspection')} settings to check opaque tokens`,
    )
  }
}

/** The issuer options given at the top level, merged with the resource server's defaults. */
export function topLevelIssuer(options: IssuerSelectionOptions): IssuerOptions | undefined {
  if (options.issuer === undefined) return undefined
  const issuer: Record<string, unknown> = {}
  for (const key of ISSUER_KEYS) {
    const value = (options as Record<string, unknown>)[key]
    if (value !== undefined) issuer[key] = value
  }
  return issuer as unknown as IssuerOptions
}

/** An issuer from `issuers` or a resolver, with the resource server's `audience` as default. */
export function withDefaults(
  issuer: IssuerOptions,
  options: IssuerSelectionOptions,
): IssuerOptions {
  return issuer.audience !== undefined || options.audience === undefined
    ? issuer
    : { ...issuer, audience: options.audience }
}

/**
 * Validates which issuers are trusted: `issuer` or `issuers` (not both), their options, and that
 * some issuer is configured (or `resolveIssuer` given).
 * @throws ConfigurationError
 */
export function validateIssuerSelection(
  options: IssuerSelectionOptions,
  allowInsecureHttp: boolean,
): void {
  if (options.issuer !== undefined && options.issuers !== undefined) {
    throw new ConfigurationError('give either issuer or issuers, not both')
  }
  const single = topLevelIssuer(options)
  if (single !== undefined) validateIssuerOptions(single, '', allowInsecureHttp)
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
      validateIssuerOptions(withDefaults(issuer, options), `issuers[${index}]`, allowInsecureHttp)
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
  if (options.audience !== undefined && single === undefined && !isAudience(options.audience)) {
    throw new ConfigurationError('audience must be a non-empty string or array of strings')
  }
}
