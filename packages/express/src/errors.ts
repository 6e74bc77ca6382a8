import { errorResponse } from '@scopeguard/core'
import type { ErrorRequestHandler, Response } from 'express'

/**
 * Sends scopeguard's RFC 6750 answer for an error: status, `WWW-Authenticate`,
 * `Cache-Control: no-store` and the JSON body `{ error, error_description }`.
 * @returns false (sending nothing) when the error is not scopeguard's.
 */
export function sendError(res: Response, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  res.status(response.status)
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value)
  res.json(response.body)
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
