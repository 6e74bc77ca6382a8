import type { AuthenticateOptions, Requirement, ResourceServer } from '@scopeguard/core'
import {
  fromNodeRequest,
  markAnonymous,
  requirementError,
  successHeaders,
} from '@scopeguard/core/adapter'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { authenticatedBy, NOT_AUTHENTICATED, setAuth } from './auth.js'
import { sendError } from './errors.js'

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

/** The error modes, the default first (for the kit's `errorsOption`). */
export const ERROR_MODES = ['respond', 'throw'] as const

/** Sends the refusal (or throws it, with `throw`, or when it is not scopeguard's). */
export function refuse(reply: FastifyReply, error: unknown, mode: ErrorMode): FastifyReply {
  if (mode === 'throw' || !sendError(reply, error)) throw error
  return reply
}

/**
 * Authenticates the request with `rs` and records the outcome: `request.auth` and the success
 * headers (a fresh `DPoP-Nonce`; `Cache-Control: private` for a query token, RFC 6750 §2.3), or
 * the anonymous mark of an optional route. A request `rs` already authenticated is not verified
 * again (a DPoP proof would otherwise be its own replay).
 */
export async function authenticate(
  rs: ResourceServer<object>,
  request: FastifyRequest,
  reply: FastifyReply,
  options: AuthenticateOptions,
): Promise<void> {
  if (authenticatedBy(request, rs)) return
  const auth = await rs.authenticate(
    // The URL the client sent (before any rewriteUrl), the scheme as Fastify sees it (honouring
    // trustProxy), and the parsed body: undefined in onRequest, parsed from preValidation on.
    fromNodeRequest(request.raw, {
      url: request.originalUrl,
      protocol: request.protocol,
      headers: request.headers,
      body: request.body ?? undefined,
    }),
    options,
  )
  if (auth === undefined) {
    // An optional route let it through: a requirement after it answers 401 with our challenge.
    markAnonymous(request, rs.challengeParams)
    return
  }
  setAuth(request, auth, rs)
  const headers = successHeaders(auth)
  for (const name in headers) reply.header(name, headers[name])
}

/**
 * Runs requirements against the request's token, in order; throws the first failure: the
 * requirement's error, the server's 401 for an anonymous request of an optional route, or a
 * plain Error (Fastify's 500) when nothing authenticated the request (a server bug).
 */
export function checkRequirements(request: FastifyRequest, rules: readonly Requirement[]): void {
  for (const rule of rules) {
    const error = requirementError(rule, request, NOT_AUTHENTICATED)
    if (error !== undefined) throw error
  }
}
