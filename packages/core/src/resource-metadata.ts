import { ConfigurationError } from './errors.js'
import type { Logger } from './logger.js'
import { redactText, upstreamUrlProblem } from './url-policy.js'

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
      `resourceMetadata.resource is not a URL: ${JSON.stringify(redactText(String(options.resource)))}`,
    )
  }
  const problem = upstreamUrlProblem(parsed, facts.allowInsecureHttp)
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

/**
 * The metadata a resource server publishes (`resourceMetadata` option), or undefined. Warns when
 * the document's `resource` is not an accepted audience: clients that read the metadata ask the
 * authorization server for tokens for `resource` (RFC 8707), which then becomes their `aud`, so
 * every such client would get tokens this server refuses.
 * @throws ConfigurationError for a resource that is not an absolute https URL.
 */
export function publishedResourceMetadata(
  options: ResourceMetadataOptions | undefined,
  facts: ResourceMetadataFacts & { audiences: readonly string[]; logger: Logger },
): ResourceMetadata | undefined {
  if (options === undefined) return undefined
  const metadata = buildResourceMetadata(options, facts)
  const { audiences } = facts
  const resource = metadata.document['resource'] as string
  if (audiences.length > 0 && !audiences.includes(resource)) {
    facts.logger.warn(
      `the protected resource metadata names resource ${String(resource)}, which is not an accepted audience (${audiences.join(', ')}); clients that follow the metadata will get tokens this server refuses`,
    )
  }
  return metadata
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

/** What the metadata route reads from a resource server (every `ResourceServer` has it). */
export interface ResourceMetadataHolder {
  /** The document, when the server was created with `resourceMetadata`. */
  readonly resourceMetadata: ResourceMetadata | undefined
  /** Tells a resource server from a document. */
  readonly authenticate: unknown
}

/** Where a metadata document comes from: a resource server created with `resourceMetadata`, or the document itself. */
export type ResourceMetadataSource = ResourceMetadataHolder | ResourceMetadata

/**
 * What the metadata route answers, for an adapter to copy onto the framework's response:
 * `headers` as they are, and `body` (already serialized JSON) when there is one. For `HEAD` the
 * body is given too; frameworks and Node leave it out of the response.
 */
export interface ResourceMetadataRouteResponse {
  readonly status: 200 | 204
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

/**
 * Answers a request for a metadata document: `method` as the framework reports it (upper case)
 * and `target` the request's path and query as received, before any mount prefix is stripped.
 * `undefined` means the request is not for a document here, and the framework goes on.
 */
export type ResourceMetadataRoute = (
  method: string,
  target: string,
) => ResourceMetadataRouteResponse | undefined

/** Options for {@link createResourceMetadataRoute}. */
export interface ResourceMetadataRouteOptions {
  /** The adapter function named in ConfigurationError messages. @default 'resourceMetadata()' */
  caller?: string
}

const WELL_KNOWN = '/.well-known/'

const PREFLIGHT: ResourceMetadataRouteResponse = Object.freeze({
  status: 204,
  headers: Object.freeze({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
  }),
})

function documentResponse(metadata: ResourceMetadata): ResourceMetadataRouteResponse {
  const response = resourceMetadataResponse(metadata)
  const body = JSON.stringify(response.body)
  return Object.freeze({
    status: 200,
    headers: Object.freeze({
      ...response.headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(new TextEncoder().encode(body).byteLength),
    }),
    body,
  })
}

/**
 * The protected resource metadata route (RFC 9728) of one or more resource servers, for the
 * framework adapters: each document is served at its well-known path
 * (`/.well-known/oauth-protected-resource` followed by the resource's own path and query). A
 * target is matched by path and query first, then by path alone. `GET` and `HEAD` get the JSON
 * document (cacheable, `Access-Control-Allow-Origin: *`), a CORS preflight `OPTIONS` gets 204,
 * and other methods and paths get `undefined`. The responses are built once, here.
 *
 * ```ts
 * const route = createResourceMetadataRoute([rs])
 * const response = route(req.method, req.originalUrl) // then copy it onto the framework's response
 * ```
 * @throws ConfigurationError when there is no source, a resource server has no
 * `resourceMetadata` option, or two sources publish a document at the same path.
 */
export function createResourceMetadataRoute(
  sources: readonly ResourceMetadataSource[],
  options: ResourceMetadataRouteOptions = {},
): ResourceMetadataRoute {
  const caller = options.caller ?? 'resourceMetadata()'
  if (sources.length === 0) {
    throw new ConfigurationError(`${caller} needs at least one resource server`)
  }
  const byPath = new Map<string, ResourceMetadataRouteResponse>()
  for (const source of sources) {
    const metadata = 'authenticate' in source ? source.resourceMetadata : source
    if (metadata === undefined) {
      throw new ConfigurationError(
        `${caller} needs a resource server created with the resourceMetadata option ({ resourceMetadata: { resource: "https://api.example.com" } })`,
      )
    }
    if (byPath.has(metadata.path)) {
      throw new ConfigurationError(
        `${caller}: two resource servers publish metadata at ${metadata.path}`,
      )
    }
    byPath.set(metadata.path, documentResponse(metadata))
  }
  return function resourceMetadataRoute(method, target) {
    if (!target.startsWith(WELL_KNOWN)) return undefined
    // Documents of resources with a query are found by path and query; the others by path only.
    const response = byPath.get(target) ?? byPath.get(target.split('?', 1)[0] as string)
    if (response === undefined) return undefined
    if (method === 'OPTIONS') return PREFLIGHT
    if (method !== 'GET' && method !== 'HEAD') return undefined
    return response
  }
}
