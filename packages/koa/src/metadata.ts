import { createResourceMetadataRoute, type ResourceMetadataSource } from '@scopeguard/core/adapter'
import type { Middleware } from 'koa'

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more resource servers at
 * their well-known paths (`/.well-known/oauth-protected-resource` followed by the resource's own
 * path, e.g. `/.well-known/oauth-protected-resource/mcp` for `https://api.example.com/mcp`).
 * Answers `GET` and `HEAD` with the JSON document, cacheable and readable cross-origin, and a CORS
 * preflight `OPTIONS` with 204; other requests go on downstream. No token is needed. Use it on the
 * app, before any router with a prefix:
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience, resourceMetadata: { resource: audience } })
 * app.use(resourceMetadata(rs))
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: ResourceMetadataSource[]): Middleware {
  const route = createResourceMetadataRoute(sources)
  return async function scopeguardResourceMetadata(ctx, next) {
    // originalUrl, not path: under a mount prefix the document is not at the host root.
    const response = route(ctx.method, ctx.originalUrl)
    if (response === undefined) return next()
    ctx.status = response.status
    ctx.set(response.headers)
    if (response.body !== undefined) ctx.body = response.body
  }
}
