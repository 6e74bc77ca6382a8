import { ConfigurationError } from '@scopeguard/core'
import { createResourceMetadataRoute, type ResourceMetadataSource } from '@scopeguard/core/adapter'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'

/** The Fastify route path of a well-known path: without its query, colons escaped. */
function routePath(path: string): string {
  return (path.split('?', 1)[0] as string).replaceAll(':', '::')
}

/**
 * Declares the metadata routes of `sources` on `fastify`: `GET`, `HEAD` and the CORS preflight
 * `OPTIONS` at each well-known path, answered by the core's route (anything it does not serve,
 * such as another query, goes to the not-found handler). No hook of scopeguard runs on them.
 * @throws ConfigurationError as the core's route does, or when `fastify` has a prefix (the
 * well-known path starts at the host root).
 */
export function declareMetadataRoutes(
  fastify: FastifyInstance,
  sources: readonly ResourceMetadataSource[],
  caller: string,
): void {
  const route = createResourceMetadataRoute(sources, { caller })
  if (fastify.prefix !== '') {
    throw new ConfigurationError(
      `${caller} serves /.well-known/oauth-protected-resource… at the host root, but this context has the prefix ${fastify.prefix}: register it outside the prefix`,
    )
  }
  const paths = new Set<string>()
  for (const source of sources) {
    const metadata = 'authenticate' in source ? source.resourceMetadata : source
    if (metadata !== undefined) paths.add(routePath(metadata.path))
  }
  for (const url of paths) {
    fastify.route({
      method: ['GET', 'HEAD', 'OPTIONS'],
      url,
      exposeHeadRoute: false,
      config: { scopeguard: false },
      handler(request, reply) {
        const response = route(request.method, request.originalUrl ?? request.url)
        if (response === undefined) {
          reply.callNotFound()
          return reply
        }
        return reply.code(response.status).headers(response.headers).send(response.body)
      },
    })
  }
}

/**
 * A plugin serving the protected resource metadata document (RFC 9728) of one or more resource
 * servers as Fastify routes, at their well-known paths (`/.well-known/oauth-protected-resource`
 * followed by the resource's own path, e.g. `/.well-known/oauth-protected-resource/mcp` for
 * `https://api.example.com/mcp`): `GET` and `HEAD` get the JSON document, cacheable and readable
 * cross-origin, and a CORS preflight `OPTIONS` gets 204. No token is needed. The `scopeguard`
 * plugin already serves its own server's document; use this one for several servers:
 *
 * ```ts
 * await app.register(resourceMetadata(files, mcp))
 * ```
 * Register it at the root (not under a prefix): the well-known path starts at the host root.
 * @throws ConfigurationError when a resource server has no `resourceMetadata` option.
 */
export function resourceMetadata(...sources: ResourceMetadataSource[]): FastifyPluginAsync {
  // Validated now, when the plugin is made, like every other option.
  createResourceMetadataRoute(sources)
  return fp(
    async function scopeguardResourceMetadata(fastify) {
      declareMetadataRoutes(fastify, sources, 'resourceMetadata()')
    },
    { fastify: '5.x', name: '@scopeguard/fastify:resource-metadata' },
  )
}
