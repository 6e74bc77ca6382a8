import { TEST_ALGORITHMS } from './keys.js'

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

/**
 * Builds a discovery document. `authorization_endpoint` points at a path the server answers with
 * 404; `token_endpoint` grants `client_credentials` and token exchange (RFC 8693). OIDC documents add `subject_types_supported` and
 * `id_token_signing_alg_values_supported`; `extra` is merged last.
 */
export function metadataDocument(
  kind: MetadataKind,
  locations: IssuerLocations,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const base = locations.issuer.endsWith('/') ? locations.issuer.slice(0, -1) : locations.issuer
  const document: Record<string, unknown> = {
    issuer: locations.issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: locations.jwksUri,
    introspection_endpoint: locations.introspectionEndpoint,
    introspection_endpoint_auth_methods_supported: [...INTROSPECTION_AUTH_METHODS],
    response_types_supported: ['code'],
    grant_types_supported: [
      'authorization_code',
      'client_credentials',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
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
