import { isOAuthError } from '@scopeguard/core'
import { errorResponse } from '@scopeguard/core/adapter'
import { getAuthError } from './auth.js'
import type { ErrorMiddleware, JsonResponse } from './http.js'

/**
 * Sends scopeguard's RFC 6750 answer for an error: status, `WWW-Authenticate`,
 * `Cache-Control: no-store` and the JSON body `{ error, error_description }`, exactly as
 * `@scopeguard/express` does.
 * @returns false (sending nothing) when the error is not scopeguard's.
 */
export function sendError(res: JsonResponse, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  for (const name in response.headers) res.setHeader(name, response.headers[name] as string)
  res.status(response.status)
  res.json(response.body)
  return true
}

function isPassportFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'AuthenticationError'
}

/**
 * Error middleware rendering scopeguard's answer as JSON, identical to `@scopeguard/express`.
 * It handles scopeguard errors (a 503 from the strategy, or a requirement with
 * `{ errors: 'next' }`) and Passport's `AuthenticationError` from
 * `passport.authenticate('scopeguard', { session: false, failWithError: true })`, which it
 * replaces with the error the strategy failed the request with. Anything else goes to `next`.
 *
 * ```ts
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(): ErrorMiddleware {
  return function scopeguardPassportErrorHandler(error, req, res, next) {
    const failure = isOAuthError(error)
      ? error
      : isPassportFailure(error)
        ? getAuthError(req)
        : undefined
    if (res.headersSent || !sendError(res, failure)) next(error)
  }
}
