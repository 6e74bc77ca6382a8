import {
  ConfigurationError,
  resourceMetadataResponse,
  type ResourceMetadata,
  type ResourceServer,
} from '@scopeguard/core'

/** The Node request and response a Nest middleware gets on Express and on Fastify alike. */
interface NodeRequest {
  method?: string
  url?: string
  originalUrl?: string
}
interface NodeResponse {
  statusCode: number
  setHeader(name: string, value: string | number): unknown
  end(body?: string): unknown
}

/** A middleware for `consumer.apply()` or `app.use()`, on Express and Fastify. */
export type ResourceMetadataMiddleware = (
  req: NodeRequest,
  res: NodeResponse,
  next: (error?: unknown) => void,
) => void

function metadataOf(source: ResourceServer<object> | ResourceMetadata): ResourceMetadata {
  const metadata = 'authenticate' in source ? source.resourceMetadata : source
  if (metadata === undefined) {
    throw new ConfigurationError(
      'resourceMetadataMiddleware() needs a resource server created with the resourceMetadata option ({ resourceMetadata: { resource: "https://api.example.com" } })',
    )
  }
  return metadata
}

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more resource servers at
 * their well-known paths. `ScopeguardModule` already serves the document of its own resource
 * server when `resourceMetadata` is configured; use this for further resource servers:
 * `app.use(resourceMetadataMiddleware(otherRs))`. Answers `GET`/`HEAD` with the JSON document
 * (cacheable, `Access-Control-Allow-Origin: *`) and `OPTIONS` with 204; anything else passes on.
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadataMiddleware(
  ...sources: (ResourceServer<object> | ResourceMetadata)[]
): ResourceMetadataMiddleware {
  if (sources.length === 0) {
    throw new ConfigurationError('resourceMetadataMiddleware() needs at least one resource server')
  }
  const byPath = new Map<string, { headers: Record<string, string>; json: string }>()
  for (const source of sources) {
    const metadata = metadataOf(source)
    if (byPath.has(metadata.path)) {
      throw new ConfigurationError(
        `resourceMetadataMiddleware(): two resource servers publish metadata at ${metadata.path}`,
      )
    }
    const response = resourceMetadataResponse(metadata)
    byPath.set(metadata.path, { headers: response.headers, json: JSON.stringify(response.body) })
  }
  return function scopeguardResourceMetadata(req, res, next) {
    const target = req.originalUrl ?? req.url ?? '/'
    if (!target.startsWith('/.well-known/')) {
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
