import { errorResponse } from '@scopeguard/core/adapter'
import type { Middleware, ParameterizedContext } from 'koa'

/** How `protect()` and the requirement middleware deliver an error. */
export type ErrorMode = 'respond' | 'throw'

/** The values of {@link ErrorMode}; the first is the default. */
export const ERROR_MODES = ['respond', 'throw'] as const

/**
 * Answers with scopeguard's RFC 6750 rendering of an error: status, `WWW-Authenticate`,
 * `Cache-Control: no-store` and the JSON body `{ error, error_description }`.
 * @returns false (changing nothing) when the error is not scopeguard's.
 */
export function sendError(ctx: ParameterizedContext, error: unknown): boolean {
  const response = errorResponse(error)
  if (response === undefined) return false
  ctx.status = response.status
  ctx.set(response.headers)
  ctx.body = response.body
  return true
}

/**
 * Upstream middleware rendering scopeguard errors thrown downstream as JSON (like the default
 * `errors: 'respond'` mode) and rethrowing anything else. Use it with `protect(rs, { errors: 'throw' })`:
 *
 * ```ts
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(): Middleware {
  return async function scopeguardErrorHandler(ctx, next) {
    try {
      await next()
    } catch (error) {
      if (ctx.headerSent || !sendError(ctx, error)) throw error
    }
  }
}
