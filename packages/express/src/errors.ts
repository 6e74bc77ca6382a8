import { errorResponse } from '@scopeguard/core/adapter'
import type { ErrorRequestHandler, Response } from 'express'

/** How `protect()` and the requirement middleware deliver an error; the first is the default. */
export const ERROR_MODES = ['respond', 'next'] as const

/**
 * Sends scopeguard's RFC 6750 answer for an error: status, `WWW-Authenticate`,
 * `Cache-Control: no-store` and the JSON body `{ error, error_description }`.
 * @returns false (sending nothing) when the error is not scopeguard's.
 */
export function sendError(res: Response, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  res.status(response.status).set(response.headers).json(response.body)
  return true
}

/**
 * An Express error handler that renders scopeguard errors and passes anything else on. Use it with
 * `protect(rs, { errors: 'next' })` to keep your own error flow:
 *
 * ```ts
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(): ErrorRequestHandler {
  return function scopeguardErrorHandler(error, _req, res, next) {
    if (res.headersSent || !sendError(res, error)) next(error)
  }
}
