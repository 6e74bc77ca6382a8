import { isOAuthError, type OAuthError } from './errors.js'

/** What every adapter sends for an error: status, headers and a JSON body. */
export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  body: { error: string; error_description: string }
}

/**
 * The one rendering of an {@link OAuthError} that every adapter uses, so that the same request
 * gets the same status, `WWW-Authenticate`, `Cache-Control` and JSON body in every framework.
 * Returns undefined for anything that is not an OAuthError (leave those to the framework).
 */
export function errorResponse(error: unknown): ErrorResponse | undefined {
  if (!isOAuthError(error)) return undefined
  const e: OAuthError = error
  return { status: e.status, headers: { ...e.headers }, body: e.toJSON() }
}
