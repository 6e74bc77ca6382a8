import type { ResourceMetadataSource } from '@scopeguard/core'
import { resourceMetadata as metadataHandler } from '@scopeguard/web'
import type { MiddlewareHandler } from 'hono'

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more resource servers at
 * their well-known paths (`/.well-known/oauth-protected-resource` followed by the resource's own
 * path). Answers `GET` and `HEAD` with the JSON document, cacheable and readable cross-origin, and
 * a CORS preflight `OPTIONS` with 204; other requests go on. No token is needed. Register it on
 * the app itself, not under a sub-app's base path, since the well-known path starts at the root:
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience, resourceMetadata: { resource: audience } })
 * app.use(resourceMetadata(rs))
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: ResourceMetadataSource[]): MiddlewareHandler {
  const handler = metadataHandler(...sources)
  return async function scopeguardResourceMetadata(c, next) {
    const response = handler(c.req.raw)
    if (response !== undefined) return response
    await next()
  }
}
