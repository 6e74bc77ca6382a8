import type { DpopNonceOptions } from './dpop-nonce.js'
import type { DpopOptions } from './dpop-verifier.js'
import type { ExtractionOptions } from './extract.js'
import {
  arrayOf,
  callback,
  checkKeys,
  count,
  either,
  exactly,
  flag,
  isPlainObject,
  object,
  objectOf,
  recordOf,
  shape,
  text,
  type ShapeCheck,
} from './internal/shape.js'
import type { IntrospectionCacheOptions, IntrospectionOptions } from './introspection.js'
import type { MetadataTiming } from './issuer-verifier.js'
import type { IssuerOptions, ResourceServerOptions } from './options.js'
import type { RemoteJwksTiming } from './remote-jwks.js'
import type { ResourceMetadataOptions } from './resource-metadata.js'
import type { ScopeOptions } from './scopes.js'
import type { VerifiedTokenCacheOptions } from './verified-token-cache.js'

// Each table lists every key of its options type (`satisfies Record<keyof T, …>`), so an option
// added to a type without a shape check here does not compile, and the known keys cannot drift.

const strings = arrayOf(text)
const stringOrStrings = either(text, strings)

const INTROSPECTION_CACHE = {
  maxTtlSeconds: count,
  negativeTtlSeconds: count,
} satisfies Record<keyof IntrospectionCacheOptions, ShapeCheck>

const INTROSPECTION = {
  endpoint: text,
  clientId: text,
  clientSecret: text,
  authMethod: text,
  privateKey: shape('a private JWK (an object) or a CryptoKey', isPlainObject),
  privateKeyAlg: text,
  privateKeyId: text,
  assertionAudience: text,
  jwtResponse: flag,
  cache: either(exactly(false), objectOf(INTROSPECTION_CACHE)),
  timeoutMs: count,
  retryAfterMs: count,
} satisfies Record<keyof IntrospectionOptions, ShapeCheck>

/** The shape of one issuer's options (`issuers[n]`, or the top level). */
export const ISSUER_SHAPE = {
  issuer: text,
  audience: stringOrStrings,
  jwksUri: text,
  jwks: shape('a JWK Set ({ keys: [...] })', (v) => isPlainObject(v) && Array.isArray(v['keys'])),
  secret: shape(
    'a string or a Uint8Array',
    (v) => typeof v === 'string' || v instanceof Uint8Array,
  ),
  publicKey: shape(
    'an SPKI PEM string or an array of them',
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((pem) => typeof pem === 'string')),
  ),
  metadataUrl: text,
  algorithms: strings,
  introspection: objectOf(INTROSPECTION),
  tokenFormat: text,
} satisfies Record<keyof IssuerOptions, ShapeCheck>

const EXTRACTION = {
  body: flag,
  query: either(flag, text),
  legacyHeader: flag,
  maxTokenLength: count,
} satisfies Record<keyof ExtractionOptions, ShapeCheck>

const SCOPES = {
  claims: strings,
  map: callback,
  implies: recordOf(strings),
} satisfies Record<keyof ScopeOptions, ShapeCheck>

const JWKS_TIMING = {
  timeoutMs: count,
  cooldownMs: count,
  refetchBurst: count,
  maxAgeMs: count,
  retryAfterMs: count,
} satisfies Record<keyof RemoteJwksTiming, ShapeCheck>

const METADATA_TIMING = {
  maxAgeMs: count,
} satisfies Record<keyof MetadataTiming, ShapeCheck>

const RESOURCE_METADATA = {
  resource: text,
  authorizationServers: strings,
  scopesSupported: strings,
  resourceName: text,
  resourceDocumentation: text,
  resourcePolicyUri: text,
  resourceTosUri: text,
  challenge: flag,
  extra: object,
} satisfies Record<keyof ResourceMetadataOptions, ShapeCheck>

const MTLS = {
  certificateHeader: text,
  trustedProxies: strings,
} satisfies Record<keyof NonNullable<ResourceServerOptions['mtls']>, ShapeCheck>

const DPOP_NONCE = {
  secret: ISSUER_SHAPE.secret,
  rotationSeconds: count,
} satisfies Record<keyof DpopNonceOptions, ShapeCheck>

const DPOP_POLICY = either(exactly('disabled'), exactly('allowed'), exactly('required'))

const DPOP = {
  policy: DPOP_POLICY,
  algorithms: strings,
  maxProofAge: count,
  clockTolerance: count,
  nonce: either(flag, objectOf(DPOP_NONCE)),
} satisfies Record<keyof DpopOptions, ShapeCheck>

const CACHE = {
  maxEntries: count,
  maxTtlSeconds: count,
} satisfies Record<keyof VerifiedTokenCacheOptions, ShapeCheck>

const LOGGER = shape(
  'false or a logger ({ warn, error } functions)',
  (v) =>
    v === false ||
    (typeof v === 'object' &&
      v !== null &&
      typeof (v as Record<string, unknown>)['warn'] === 'function' &&
      typeof (v as Record<string, unknown>)['error'] === 'function'),
)

const STORE = shape(
  'a Store (an object with get, set, setIfAbsent and delete functions)',
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['get', 'set', 'setIfAbsent', 'delete'].every(
      (m) => typeof (v as Record<string, unknown>)[m] === 'function',
    ),
)

/** The shape of {@link ResourceServerOptions}, nested objects included. */
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
  metadataTiming: objectOf(METADATA_TIMING),
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

/** The option names an issuer accepts, in the order of {@link IssuerOptions}. */
export const ISSUER_KEYS = Object.keys(ISSUER_SHAPE) as (keyof IssuerOptions)[]

/**
 * Checks the shape of every option, nested ones included: unknown keys (naming the closest known
 * one), arrays for objects, strings for booleans, non-functions for callbacks.
 * @param where the options' path in messages: `''` for the top level, `issuers[1]`…
 * @throws ConfigurationError
 */
export function checkOptionShapes(
  options: object,
  table: Readonly<Record<string, ShapeCheck>>,
  where: string,
): void {
  checkKeys(options as Record<string, unknown>, table, where)
}
