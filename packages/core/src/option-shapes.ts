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
import type { MtlsOptions } from './mtls.js'
import type { RemoteJwksTiming } from './remote-jwks.js'
import type { ResourceMetadataOptions } from './resource-metadata.js'
import type { ScopeOptions } from './scopes.js'
import type { VerifiedTokenCacheOptions } from './verified-token-cache.js'

// Shape tables of the nested options, used by the tables of the issuer (issuer-options.ts) and
// of the resource server (options.ts). Each table lists every key of its options type
// (`satisfies Record<keyof T, …>`), so an option added to a type without a shape check here does
// not compile, and the known keys cannot drift.

/** An array of strings. */
export const strings = arrayOf(text)
/** A string or an array of strings. */
export const stringOrStrings = either(text, strings)
/** A shared secret. */
export const SECRET_SHAPE = shape(
  'a string or a Uint8Array',
  (v) => typeof v === 'string' || v instanceof Uint8Array,
)

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

/** The shape of an issuer's `introspection`. */
export const INTROSPECTION_SHAPE = objectOf(INTROSPECTION)

export const EXTRACTION = {
  body: flag,
  query: either(flag, text),
  legacyHeader: flag,
  maxTokenLength: count,
} satisfies Record<keyof ExtractionOptions, ShapeCheck>

export const SCOPES = {
  claims: strings,
  map: callback,
  implies: recordOf(strings),
} satisfies Record<keyof ScopeOptions, ShapeCheck>

export const JWKS_TIMING = {
  timeoutMs: count,
  cooldownMs: count,
  refetchBurst: count,
  maxAgeMs: count,
  retryAfterMs: count,
} satisfies Record<keyof RemoteJwksTiming, ShapeCheck>

export const RESOURCE_METADATA = {
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

export const MTLS = {
  certificateHeader: text,
  trustedProxies: strings,
} satisfies Record<keyof MtlsOptions, ShapeCheck>

const DPOP_NONCE = {
  secret: SECRET_SHAPE,
  rotationSeconds: count,
} satisfies Record<keyof DpopNonceOptions, ShapeCheck>

export const DPOP_POLICY = either(exactly('disabled'), exactly('allowed'), exactly('required'))

export const DPOP = {
  policy: DPOP_POLICY,
  algorithms: strings,
  maxProofAge: count,
  clockTolerance: count,
  nonce: either(flag, objectOf(DPOP_NONCE)),
} satisfies Record<keyof DpopOptions, ShapeCheck>

export const CACHE = {
  maxEntries: count,
  maxTtlSeconds: count,
} satisfies Record<keyof VerifiedTokenCacheOptions, ShapeCheck>

export const LOGGER = shape(
  'false or a logger ({ warn, error } functions)',
  (v) =>
    v === false ||
    (typeof v === 'object' &&
      v !== null &&
      typeof (v as Record<string, unknown>)['warn'] === 'function' &&
      typeof (v as Record<string, unknown>)['error'] === 'function'),
)

export const STORE = shape(
  'a Store (an object with get, set, setIfAbsent and delete functions)',
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    ['get', 'set', 'setIfAbsent', 'delete'].every(
      (m) => typeof (v as Record<string, unknown>)[m] === 'function',
    ),
)

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
