import { isOAuthError } from '@scopeguard/core'
import { errorResponse } from '@scopeguard/web'
import type { Context, ErrorHandler } from 'hono'

/**
 * An `app.onError` handler that answers scopeguard's errors (thrown by `protect(rs, { errors:
 * 'throw' })` and the requirements) with their RFC 6750 status, `WWW-Authenticate`, `Cache-Control:
 * no-store` and JSON body, and hands anything else to `fallback`, by default Hono's own behaviour
 * (an `HTTPException`'s response, else a logged 500).
 *
 * ```ts
 * app.onError(errorHandler())
 * ```
 */
export function errorHandler(fallback?: ErrorHandler): ErrorHandler {
  return function scopeguardErrorHandler(error: Error, c: Context) {
    if (isOAuthError(error)) return errorResponse(error)
    if (fallback !== undefined) return fallback(error, c)
    if (typeof (error as { getResponse?: unknown }).getResponse === 'function') {
      return (error as unknown as { getResponse(): Response }).getResponse()
    }
    console.error(error)
    return c.text('Internal Server Error', 500)
  }
}
