// Identifiers of packages/fastify/README.md's fragments.
import type { FastifyInstance, RouteHandlerMethod } from 'fastify'
import type * as adapter from '@scopeguard/fastify'

declare global {
  type FastifyReply = import('fastify').FastifyReply
  type FastifyRequest = import('fastify').FastifyRequest
  const Fastify: typeof import('fastify').default
  const app: FastifyInstance
  const rs: adapter.ResourceServer
  const issuer: string
  const createResourceServer: typeof adapter.createResourceServer
  const scopeguard: typeof adapter.scopeguard
  const protect: typeof adapter.protect
  const hasAuth: typeof adapter.hasAuth
  const sendError: typeof adapter.sendError
  const requireAuthentication: typeof adapter.requireAuthentication
  const requireClaim: typeof adapter.requireClaim
  const requireScope: typeof adapter.requireScope
  const refuseDelegation: typeof adapter.refuseDelegation
  const listFiles: RouteHandlerMethod
  const createFile: RouteHandlerMethod
  const readAccount: RouteHandlerMethod
  const readMe: RouteHandlerMethod
  const readFeed: RouteHandlerMethod
  const health: RouteHandlerMethod
  const transfer: RouteHandlerMethod
}
