import { createResourceMetadataRoute, type ResourceMetadataSource } from '@scopeguard/core/adapter'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more resource servers at
 * their well-known paths (`/.well-known/oauth-protected-resource` followed by the resource's own
 * path, e.g. `/.well-known/oauth-protected-resource/mcp` for `https://api.example.com/mcp`).
 * Answers `GET` and `HEAD` with the JSON document, cacheable and readable cross-origin, and a CORS
 * preflight `OPTIONS` with 204; other requests pass on. No token is needed. Register it on the
 * app itself, not under a mount path, since the well-known path starts at the host root:
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience, resourceMetadata: { resource: audience } })
 * app.use(resourceMetadata(rs))
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: ResourceMetadataSource[]): RequestHandler {
  const route = createResourceMetadataRoute(sources)
  return function scopeguardResourceMetadata(
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const response = route(req.method, req.originalUrl ?? req.url)
    if (response === undefined) {
      next()
      return
    }
    res.status(response.status).set(response.headers)
    if (response.body === undefined) res.end()
    else res.send(response.body)
  }
}
