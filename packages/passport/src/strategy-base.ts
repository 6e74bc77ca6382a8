import { Strategy as PassportStrategy } from 'passport-strategy'
import type { PassportRequest } from './http.js'

/**
 * What a strategy instance offers: `authenticate`, which each strategy implements, and the
 * actions Passport adds to the per-request copy of the strategy before calling it.
 */
export interface StrategyBase {
  /** Authenticates one request by calling exactly one of the actions below. */
  authenticate(req: PassportRequest, options?: unknown): void
  /** Authenticates `user`; `info` becomes `req.authInfo`. */
  success(user: unknown, info?: unknown): void
  /** Fails with a challenge (e.g. a `WWW-Authenticate` value) and a status (default 401). */
  fail(challenge?: unknown, status?: number): void
  /** Redirects the user agent (status default 302). */
  redirect(url: string, status?: number): void
  /** Neither succeeds nor fails: the request goes on unauthenticated. */
  pass(): void
  /** Reports an internal error (not the client's fault). */
  error(err: unknown): void
}

/**
 * passport-strategy's `Strategy` base class, typed here so that the published declarations
 * refer to no `@types/*` package (users install none to compile against `ScopeguardStrategy`).
 */
export const Strategy: new () => StrategyBase = PassportStrategy
