import { ConfigurationError } from './errors.js'
import { insecureUrlProblem } from './url-policy.js'

/** What the protected resource metadata document (RFC 9728) says about this API. */
export interface ResourceMetadataOptions {
  /** This API's resource identifier: an https URL (http on loopback), no fragment. */
  resource: string
  /** Issuers clients can get tokens from. @default the configured issuers */
  authorizationServers?: readonly string[]
  /** Scopes clients may request for this API (RECOMMENDED). */
  scopesSupported?: readonly string[]
  /** Human-readable name (RECOMMENDED). */
  resourceName?: string
  /** A page documenting the API for developers. */
  resourceDocumentation?: string
  /** Policy and terms-of-service pages. */
  resourcePolicyUri?: string
  resourceTosUri?: string
  /**
   * Add `resource_metadata="<url>"` to every challenge (401 and 403), as MCP clients expect.
   * @default true
   */
  challenge?: boolean
  /** More members to publish, e.g. `tls_client_certificate_bound_access_tokens`. */
  extra?: Readonly<Record<string, unknown>>
}

/** The metadata document and where it is served. */
export interface ResourceMetadata {
  /** The document's absolute URL, as sent in `resource_metadata`. */
  url: string
  /** Its path (and query), for the framework's route. */
  path: string
  /** The JSON document. */
  document: Readonly<Record<string, unknown>>
}

/**
 * The metadata URL for a resource identifier (RFC 9728 §3.1): `/.well-known/oauth-protected-resource`
 * inserted between the host and the path; a `/` directly after the host is dropped first.
 */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname
  return `${url.origin}/.well-known/oauth-protected-resource${path}${url.search}`
}

/** Facts the resource server adds to the document from its own configuration. */
export interface ResourceMetadataFacts {
  issuers: readonly string[]
  bearerMethods: readonly string[]
  allowInsecureHttp: boolean
  /** Members about proof-of-possession (DPoP algorithms, binding required). */
  extra?: Readonly<Record<string, unknown>>
}

/**
 * Builds the RFC 9728 document once, at construction. Members with no value are left out.
 * @throws ConfigurationError for a resource that is not an absolute https URL.
 */
export function buildResourceMetadata(
  options: ResourceMetadataOptions,
  facts: ResourceMetadataFacts,
): ResourceMetadata {
  let parsed: URL
  try {
    parsed = new URL(options.resource)
  } catch {
    throw new ConfigurationError(
      `resourceMetadata.resource is not a URL: ${JSON.stringify(options.resource)}`,
    )
  }
  const problem = insecureUrlProblem(parsed, facts.allowInsecureHttp)
  if (problem !== undefined) throw new ConfigurationError(`resourceMetadata.resource: ${problem}`)
  if (parsed.hash !== '')
    throw new ConfigurationError('resourceMetadata.resource must not have a fragment')
  const servers = options.authorizationServers ?? facts.issuers
  const document: Record<string, unknown> = {
    resource: options.resource,
    ...(servers.length > 0 ? { authorization_servers: [...servers] } : {}),
    ...(options.scopesSupported ? { scopes_supported: [...options.scopesSupported] } : {}),
    bearer_methods_supported: [...facts.bearerMethods],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
    ...(options.resourceDocumentation
      ? { resource_documentation: options.resourceDocumentation }
      : {}),
    ...(options.resourcePolicyUri ? { resource_policy_uri: options.resourcePolicyUri } : {}),
    ...(options.resourceTosUri ? { resource_tos_uri: options.resourceTosUri } : {}),
    ...facts.extra,
    ...options.extra,
  }
  const url = resourceMetadataUrl(options.resource)
  const { pathname, search } = new URL(url)
  return { url, path: pathname + search, document: Object.freeze(document) }
}

/** The response every adapter sends for the metadata route. */
export function resourceMetadataResponse(metadata: ResourceMetadata): {
  status: number
  headers: Record<string, string>
  body: Readonly<Record<string, unknown>>
} {
  return {
    status: 200,
    headers: {
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
    },
    body: metadata.document,
  }
}
