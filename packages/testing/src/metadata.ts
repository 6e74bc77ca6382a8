import { TEST_ALGORITHMS } from './keys.js'
import { TOKEN_EXCHANGE } from './token-endpoint.js'

/** Which discovery documents a test issuer serves, and extra members for both. */
export interface MetadataOptions {
  /**
   * Serve RFC 8414 metadata at `/.well-known/oauth-authorization-server{path}`.
   *
   * @default true
   */
  oauth?: boolean
  /**
   * Serve OpenID Connect Discovery metadata at `{path}/.well-known/openid-configuration`.
   *
   * @default true
   */
  openid?: boolean
  /** Members added to (or, when `undefined`, removed from) both documents. */
  extra?: Record<string, unknown>
}

/** The kinds of discovery document a test issuer serves. */
export type MetadataKind = 'oauth' | 'openid'

/** The identifier and endpoint locations of a test issuer. */
export interface IssuerLocations {
  readonly issuer: string
  readonly origin: string
  readonly jwksUri: string
  readonly introspectionEndpoint: string
  readonly tokenEndpoint: string
  readonly metadataUrls: { readonly oauth: string; readonly openid: string }
  /** Request paths the server answers, without origin. */
  readonly paths: {
    readonly jwks: string
    readonly introspection: string
    readonly token: string
    readonly oauth: string
    readonly openid: string
  }
}

const PATH = /^(?:\/[\w\-.~%!$&'()*+,;=:@]*)*$/

/** Checks an issuer path: empty, or `/`-prefixed URL path characters (no query or fragment). */
export function assertIssuerPath(path: string): void {
  if (!PATH.test(path)) {
    throw new TypeError(
      `TestIssuerOptions.path must be '' or a URL path starting with '/', got ${JSON.stringify(path)}`,
    )
  }
}

/**
 * Derives the issuer's locations. The issuer is `origin + path` verbatim; a trailing `/` is
 * dropped before building the JWKS and introspection URLs and the RFC 8414 (inserted) and OIDC
 * (appended) metadata URLs.
 */
export function issuerLocations(origin: string, path: string): IssuerLocations {
  const base = path.endsWith('/') ? path.slice(0, -1) : path
  const paths = {
    jwks: `${base}/jwks`,
    introspection: `${base}/introspect`,
    token: `${base}/token`,
    oauth: `/.well-known/oauth-authorization-server${base}`,
    openid: `${base}/.well-known/openid-configuration`,
  }
  return {
    issuer: `${origin}${path}`,
    origin,
    jwksUri: `${origin}${paths.jwks}`,
    introspectionEndpoint: `${origin}${paths.introspection}`,
    tokenEndpoint: `${origin}${paths.token}`,
    metadataUrls: { oauth: `${origin}${paths.oauth}`, openid: `${origin}${paths.openid}` },
    paths,
  }
}

/** The client authentication methods the introspection endpoint accepts. */
export const INTROSPECTION_AUTH_METHODS: readonly string[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
]

/** The grant types the token endpoint implements. */
export const GRANT_TYPES: readonly string[] = ['client_credentials', TOKEN_EXCHANGE]

/**
 * Builds a discovery document that advertises only what the server serves: the JWKS, the
 * introspection endpoint and the token endpoint (`client_credentials` and RFC 8693 token exchange,
 * with the client authentication methods of introspection). There is no authorization endpoint, so
 * `response_types_supported` (required by RFC 8414) is empty. OIDC documents add
 * `subject_types_supported` and `id_token_signing_alg_values_supported`; `extra` is merged last.
 */
export function metadataDocument(
  kind: MetadataKind,
  locations: IssuerLocations,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    issuer: locations.issuer,
    token_endpoint: locations.tokenEndpoint,
    jwks_uri: locations.jwksUri,
    introspection_endpoint: locations.introspectionEndpoint,
    introspection_endpoint_auth_methods_supported: [...INTROSPECTION_AUTH_METHODS],
    response_types_supported: [],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...INTROSPECTION_AUTH_METHODS],
  }
  if (kind === 'openid') {
    document.subject_types_supported = ['public']
    document.id_token_signing_alg_values_supported = [...TEST_ALGORITHMS]
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete document[name]
    else document[name] = value
  }
  return document
}
