import { createResourceMetadataRoute, type ResourceMetadataSource } from '@scopeguard/core'

/** Answers a request for a protected resource metadata document, or `undefined` for others. */
export type ResourceMetadataHandler = (request: Request) => Response | undefined

/**
 * The protected resource metadata (RFC 9728) of one or more resource servers as a Fetch handler:
 * `GET` and `HEAD` of a document's well-known path (`/.well-known/oauth-protected-resource`
 * followed by the resource's path) get the JSON document, cacheable and readable cross-origin; a
 * CORS preflight gets 204; every other request gets `undefined`, for the app to route on.
 *
 * ```ts
 * const metadata = resourceMetadata(rs)
 * export default { fetch: (request: Request) => metadata(request) ?? app(request) }
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: ResourceMetadataSource[]): ResourceMetadataHandler {
  const route = createResourceMetadataRoute(sources)
  return function scopeguardResourceMetadata(request: Request): Response | undefined {
    const url = new URL(request.url)
    const answer = route(request.method, url.pathname + url.search)
    if (answer === undefined) return undefined
    const body = request.method === 'HEAD' ? null : (answer.body ?? null)
    return new Response(body, { status: answer.status, headers: answer.headers })
  }
}
