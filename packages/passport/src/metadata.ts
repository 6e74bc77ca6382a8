import {
  createResourceMetadataRoute,
  writeNodeResponse,
  type ResourceMetadataSource,
} from '@scopeguard/core/adapter'
import type { Middleware, PassportRequest } from './http.js'
import type { ScopeguardStrategy } from './strategy.js'

type Source = ResourceMetadataSource | ScopeguardStrategy

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
  const route = createResourceMetadataRoute(
    sources.map((source) => ('resourceServer' in source ? source.resourceServer : source)),
  )
  return function scopeguardResourceMetadata(req, res, next) {
    const target = (req as PassportRequest).originalUrl ?? req.url ?? '/'
    const response = route(req.method ?? '', target)
    if (response === undefined) next()
    else writeNodeResponse(res, response)
  }
}
