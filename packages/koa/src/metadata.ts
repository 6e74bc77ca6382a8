import {
  ConfigurationError,
  resourceMetadataResponse,
  type ResourceMetadata,
  type ResourceServer,
} from '@scopeguard/core'
import type { Middleware } from 'koa'

function metadataOf(source: ResourceServer<object> | ResourceMetadata): ResourceMetadata {
  const metadata = 'authenticate' in source ? source.resourceMetadata : source
  if (metadata === undefined) {
    throw new ConfigurationError(
      'resourceMetadata() needs a resource server created with the resourceMetadata option ({ resourceMetadata: { resource: "https://api.example.com" } })',
    )
  }
  return metadata
}

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
export function resourceMetadata(
  ...sources: (ResourceServer<object> | ResourceMetadata)[]
): Middleware {
  if (sources.length === 0) {
    throw new ConfigurationError('resourceMetadata() needs at least one resource server')
  }
  const byPath = new Map<string, ReturnType<typeof resourceMetadataResponse>>()
  for (const source of sources) {
    const metadata = metadataOf(source)
    if (byPath.has(metadata.path)) {
      throw new ConfigurationError(
        `resourceMetadata(): two resource servers publish metadata at ${metadata.path}`,
      )
    }
    byPath.set(metadata.path, resourceMetadataResponse(metadata))
  }
  return async function scopeguardResourceMetadata(ctx, next) {
    // Documents of resources with a query are found by path and query; the others by path only.
    // originalUrl, not path: under a mount prefix the document is not at the host root.
    const target = ctx.originalUrl
    if (!target.startsWith('/.well-known/')) return next()
    const response = byPath.get(target) ?? byPath.get(target.split('?', 1)[0] as string)
    if (response === undefined) return next()
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Origin', '*')
      ctx.set('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
      ctx.status = 204
      return
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    ctx.status = response.status
    ctx.set(response.headers)
    ctx.body = response.body
  }
}
