import {
  ConfigurationError,
  resourceMetadataResponse,
  type ResourceMetadata,
  type ResourceServer,
} from '@scopeguard/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

const WELL_KNOWN = '/.well-known/'

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
 * preflight `OPTIONS` with 204; other requests pass on. No token is needed. Register it on the
 * app itself, not under a mount path, since the well-known path starts at the host root:
 *
 * ```ts
 * const rs = createResourceServer({ issuer, audience, resourceMetadata: { resource: audience } })
 * app.use(resourceMetadata(rs))
 * ```
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(
  ...sources: (ResourceServer<object> | ResourceMetadata)[]
): RequestHandler {
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
  return function scopeguardResourceMetadata(
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const target = req.originalUrl ?? req.url
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
      res.setHeader('Access-Control-Allow-Origin', '*')
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS')
      res.status(204).end()
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next()
      return
    }
    res.status(response.status)
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
    res.json(response.body)
  }
}
