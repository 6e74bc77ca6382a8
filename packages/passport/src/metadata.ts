import {
  ConfigurationError,
  resourceMetadataResponse,
  type ResourceMetadata,
  type ResourceServer,
} from '@scopeguard/core'
import type { Middleware, PassportRequest } from './http.js'
import type { ScopeguardStrategy } from './strategy.js'

type Source = ResourceServer<object> | ResourceMetadata | ScopeguardStrategy

const WELL_KNOWN = '/.well-known/'

function metadataOf(source: Source): ResourceMetadata {
  const metadata =
    'resourceServer' in source
      ? source.resourceServer.resourceMetadata
      : 'authenticate' in source
        ? source.resourceMetadata
        : source
  if (metadata === undefined) {
    throw new ConfigurationError(
      'resourceMetadata() needs a resource server created with the resourceMetadata option ({ resourceMetadata: { resource: "https://api.example.com" } })',
    )
  }
  return metadata
}

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more strategies or
 * resource servers at their well-known paths (`/.well-known/oauth-protected-resource` followed by
 * the resource's own path). Answers `GET` and `HEAD` with the JSON document, cacheable and
 * readable cross-origin, and a CORS preflight `OPTIONS` with 204; other requests pass on. No
 * token is needed, so register it before `passport.authenticate()`, on the app itself:
 *
 * ```ts
 * const strategy = new ScopeguardStrategy({ issuer, audience, resourceMetadata: { resource: audience } })
 * passport.use(strategy)
 * app.use(resourceMetadata(strategy))
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: Source[]): Middleware {
  if (sources.length === 0) {
    throw new ConfigurationError('resourceMetadata() needs at least one resource server')
  }
  const byPath = new Map<string, { headers: Record<string, string>; json: string }>()
  for (const source of sources) {
    const metadata = metadataOf(source)
    if (byPath.has(metadata.path)) {
      throw new ConfigurationError(
        `resourceMetadata(): two resource servers publish metadata at ${metadata.path}`,
      )
    }
    const response = resourceMetadataResponse(metadata)
    byPath.set(metadata.path, { headers: response.headers, json: JSON.stringify(response.body) })
  }
  return function scopeguardResourceMetadata(req, res, next) {
    const target = (req as PassportRequest).originalUrl ?? req.url ?? '/'
    if (!target.startsWith(WELL_KNOWN)) {
      next()
      return
    }
    // Documents of resources with a query are found by path and query; the others by path only.
    const response = byPath.get(target) ?? byPath.get(target.split('?', 1)[0] as string)
    if (response === undefined) {
      next()
      return
    }
    if (req.method === 'OPTIONS') {
      res.statusCode = 204
      res.setHeader('Access-Control-Allow-Origin', '*')
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
      res.end()
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next()
      return
    }
    res.statusCode = 200
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
    res.setHeader('Content-Type', 'application/json; charset=utf-8')
    res.setHeader('Content-Length', Buffer.byteLength(response.json))
    res.end(response.json)
  }
}
