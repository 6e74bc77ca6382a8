import { HttpException } from '@nestjs/common'
import type { OAuthErrorCode } from '@scopeguard/core'
import { errorResponse } from '@scopeguard/core/adapter'

/** The JSON body of a {@link ScopeguardException}, identical to every other adapter's. */
export interface ScopeguardExceptionBody {
  error: OAuthErrorCode
  error_description: string
  /** Only in GraphQL, where `@nestjs/apollo` needs it to map the status to `extensions.code`. */
  statusCode?: number
}

/**
 * The Nest `HttpException` for a scopeguard error (400, 401, 403 or 503). Its response is the
 * RFC 6750 body `{ error, error_description }`, its `headers` carry `WWW-Authenticate` (except on
 * a 503) and `Cache-Control: no-store`, and its `cause` is the core `OAuthError` (with the detailed
 * `reason`) for your logs. `ScopeguardGuard` sets the headers on the response before throwing it,
 * so Nest's default exception filter renders it correctly on Express and Fastify.
 */
export class ScopeguardException extends HttpException {
  /** Response headers: `WWW-Authenticate` (except on a 503) and `Cache-Control: no-store`. */
  readonly headers: Readonly<Record<string, string>>
  /** The RFC 6750 error code, also the body's `error`. */
  readonly code: OAuthErrorCode

  constructor(
    status: number,
    body: ScopeguardExceptionBody,
    headers: Readonly<Record<string, string>>,
    cause?: unknown,
  ) {
    super(body, status, { cause })
    this.headers = headers
    this.code = body.error
    this.message = body.error_description
  }
}

/**
 * Converts a scopeguard error (`isOAuthError`) into a {@link ScopeguardException}; returns
 * undefined for anything else, which should be rethrown unchanged.
 *
 * @param options.statusCodeInBody also put `statusCode` in the body (for GraphQL).
 */
export function toScopeguardException(
  error: unknown,
  options: { statusCodeInBody?: boolean } = {},
): ScopeguardException | undefined {
  const response = errorResponse(error)
  if (response === undefined) return undefined
  const { error: code, error_description } = response.body
  const body: ScopeguardExceptionBody = { error: code as OAuthErrorCode, error_description }
  if (options.statusCodeInBody === true) body.statusCode = response.status
  return new ScopeguardException(response.status, body, response.headers, error)
}
