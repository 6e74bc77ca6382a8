import {
  anonymousRefusal,
  ConfigurationError,
  createResourceServer,
  markAnonymous,
  type AuthenticateOptions,
  type Requirement,
  type ResourceServer,
  type ResourceServerOptions,
} from '@scopeguard/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { authenticatedBy, hasAuth, notAuthenticated, setAuth } from './auth.js'
import { sendError } from './errors.js'
import { toRequestLike } from './request.js'

/**
 * A Fastify hook (`onRequest`, `preValidation` or `preHandler`, on a route or with `addHook`).
 * Async: it resolves when the request may go on, after sending the refusal otherwise.
 */
export type ScopeguardHook = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

/**
 * `respond` sends the RFC 6750 answer through the reply; `throw` throws the error from the hook,
 * for Fastify's error handler (yours from `setErrorHandler`, see `sendError()`; Fastify's default
 * one applies its `statusCode` and `headers` too).
 */
export type ErrorMode = 'respond' | 'throw'

/** The resource server given, or one created from options (validated now). */
export function serverOf(
  server: ResourceServer<object> | ResourceServerOptions,
): ResourceServer<object> {
  if (typeof server !== 'object' || server === null) {
    throw new ConfigurationError(
      '@scopeguard/fastify needs a resource server or resource server options',
    )
  }
  return 'authenticate' in server ? server : createResourceServer(server)
}

/** Validates an `errors` option, naming where it was given. */
export function errorMode(value: unknown, where: string): ErrorMode {
  if (value === undefined) return 'respond'
  if (value !== 'respond' && value !== 'throw') {
    throw new ConfigurationError(`${where} option errors must be 'respond' or 'throw'`)
  }
  return value
}

/** Sends the refusal (or throws it, with `throw`, or when it is not scopeguard's). */
export function refuse(reply: FastifyReply, error: unknown, mode: ErrorMode): FastifyReply {
  if (mode === 'throw' || !sendError(reply, error)) throw error
  return reply
}

/**
 * Authenticates the request with `rs` and stores the result: `request.auth`, the success headers
 * (a fresh `DPoP-Nonce`; `Cache-Control: private` for a query token, RFC 6750 §2.3), or the
 * anonymous mark of an optional route. A request `rs` already authenticated is not verified again
 * (a DPoP proof would otherwise be its own replay).
 */
export async function authenticate(
  rs: ResourceServer<object>,
  request: FastifyRequest,
  reply: FastifyReply,
  options: AuthenticateOptions,
): Promise<void> {
  if (authenticatedBy(request, rs)) return
  const auth = await rs.authenticate(toRequestLike(request), options)
  if (auth === undefined) {
    // An optional route let it through: a requirement after it answers 401 with our challenge.
    markAnonymous(request, rs.challengeParams)
    return
  }
  setAuth(request, auth, rs)
  const extra = auth.responseHeaders
  if (extra !== undefined) for (const name in extra) reply.header(name, extra[name])
  if (auth.source === 'query') reply.header('Cache-Control', 'private')
}

/**
 * Runs requirements against the request's token, in order; throws the first failure. An anonymous
 * request of an optional route gets the server's 401; a request nothing authenticated is a server
 * bug (a plain Error, Fastify's 500).
 */
export function checkRequirements(request: FastifyRequest, rules: readonly Requirement[]): void {
  if (!hasAuth(request)) throw anonymousRefusal(request) ?? notAuthenticated()
  for (const rule of rules) rule.check(request.auth)
}
