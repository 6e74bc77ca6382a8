import { errorResponse } from '@scopeguard/core/adapter'
import type { FastifyReply } from 'fastify'

/**
 * Sends scopeguard's RFC 6750 answer for an error through Fastify's reply: status,
 * `WWW-Authenticate`, `Cache-Control: no-store` and the JSON body `{ error, error_description }`.
 * Use it in your error handler with `errors: 'throw'`:
 *
 * ```ts
 * app.setErrorHandler((error, request, reply) => {
 *   if (!sendError(reply, error)) reply.send(error)
 * })
 * ```
 * @returns false (sending nothing) when the error is not scopeguard's.
 */
export function sendError(reply: FastifyReply, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  reply.code(response.status).headers(response.headers).send(response.body)
  return true
}
