import type { ExecutionContext } from '@nestjs/common'
import { fromNodeRequest, type NodeRequest, type RequestLike } from '@scopeguard/core/adapter'

/** The slice of `@nestjs/graphql` the guard uses; the package is loaded only for GraphQL requests. */
interface GraphqlPackage {
  GqlExecutionContext: {
    create(context: ExecutionContext): { getContext(): unknown }
  }
}

// A variable, so that neither TypeScript nor bundlers treat @nestjs/graphql as a dependency.
const GRAPHQL_PACKAGE = '@nestjs/graphql'
let graphql: GraphqlPackage | undefined

/** Loads `@nestjs/graphql` once; it is an optional peer dependency. */
export async function loadGraphql(): Promise<GraphqlPackage> {
  if (graphql === undefined) {
    try {
      graphql = (await import(GRAPHQL_PACKAGE)) as GraphqlPackage
    } catch (error) {
      throw new Error(
        'scopeguard: a GraphQL request reached ScopeguardGuard, but @nestjs/graphql cannot be loaded from @scopeguard/nestjs; install it next to @scopeguard/nestjs',
        { cause: error },
      )
    }
  }
  return graphql
}

/** The request object a context carries: HTTP directly, GraphQL through its context's `req`. */
export function requestOf(context: ExecutionContext): object | undefined {
  const type = context.getType<string>()
  // What switchToHttp().getRequest() returns, without the three closures switchToHttp() allocates
  // and assigns onto the context on every call.
  if (type === 'http') return context.getArgByIndex<object>(0)
  if (type === 'graphql' && graphql !== undefined) {
    const gqlContext = graphql.GqlExecutionContext.create(context).getContext()
    const request = (gqlContext as { req?: unknown } | undefined)?.req
    return typeof request === 'object' && request !== null ? request : undefined
  }
  return undefined
}

/** An Express request, or a Fastify request whose Node request is `raw`. */
interface PlatformRequest extends NodeRequest {
  body?: unknown
  originalUrl?: string
  raw?: PlatformRequest
  /** Express and Fastify: `http` or `https`, honouring their trust-proxy settings. */
  protocol?: string
}

/**
 * The core's request shape from an Express `Request` or a Fastify `FastifyRequest` (whose Node
 * request is `raw`): the same method, URL (with query) and raw headers that Nest's HTTP adapters
 * report, the parsed body, and the TLS client certificate of the connection, if any.
 */
export function toRequestLike(request: object): RequestLike {
  const platform = request as PlatformRequest
  const node = platform.raw ?? platform
  // For DPoP's htu (with the Host header, which the core reads and checks only for a proof):
  // the platform's scheme honours Express's `trust proxy` and Fastify's `trustProxy`.
  return fromNodeRequest(node, {
    url: node.originalUrl,
    protocol: platform.protocol,
    headers: platform.headers,
    body: platform.body,
  })
}
