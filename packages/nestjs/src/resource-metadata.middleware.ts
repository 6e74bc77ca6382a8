import {
  createResourceMetadataRoute,
  writeNodeResponse,
  type NodeResponse,
  type ResourceMetadataSource,
} from '@scopeguard/core/adapter'

/** The Node request and response a Nest middleware gets on Express and on Fastify alike. */
interface NodeRequest {
  method?: string
  url?: string
  originalUrl?: string
}

/** A middleware for `consumer.apply()` or `app.use()`, on Express and Fastify. */
export type ResourceMetadataMiddleware = (
  req: NodeRequest,
  res: NodeResponse,
  next: (error?: unknown) => void,
) => void

/**
 * Serves the protected resource metadata document (RFC 9728) of one or more resource servers at
 * their well-known paths. `ScopeguardModule` already serves the document of its own resource
 * server when `resourceMetadata` is configured; use this for further resource servers:
 * `app.use(resourceMetadataMiddleware(otherRs))`. Answers `GET`/`HEAD` with the JSON document
 * (cacheable, `Access-Control-Allow-Origin: *`) and `OPTIONS` with 204; anything else passes on.
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadataMiddleware(
  ...sources: ResourceMetadataSource[]
): ResourceMetadataMiddleware {
  const route = createResourceMetadataRoute(sources, { caller: 'resourceMetadataMiddleware()' })
  return function scopeguardResourceMetadata(req, res, next) {
    const response = route(req.method ?? '', req.originalUrl ?? req.url ?? '/')
    if (response === undefined) next()
    else writeNodeResponse(res, response)
  }
}
