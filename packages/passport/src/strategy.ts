import {
  ConfigurationError,
  InvalidTokenError,
  isOAuthError,
  type AuthenticateOptions,
  type AuthInfo,
  type ResourceServer,
} from '@scopeguard/core'
import {
  challengeParamsOf,
  fromNodeRequest,
  markAnonymous,
  successHeaders,
} from '@scopeguard/core/adapter'
import { Strategy } from './strategy-base.js'
import { setAuth, setAuthError } from './auth.js'
import type { PassportRequest } from './http.js'
import { resolveStrategyOptions, type ScopeguardStrategyOptions } from './options.js'
import type { VerifyDone, VerifyFunction, VerifyFunctionWithRequest } from './verify.js'

function rejection(info: unknown): string | undefined {
  if (typeof info === 'string' && info !== '') return info
  const message = (info as { message?: unknown } | null | undefined)?.message
  return typeof message === 'string' && message !== '' ? message : undefined
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/**
 * Passport strategy for OAuth 2.0 bearer access tokens, verified by a scopeguard resource server.
 * On success `req.user` is the auth object (or what `verify` maps it to) and Passport's `info` is
 * the auth object. Failures carry the exact RFC 6750 challenge: 401 for a missing or invalid
 * token, 400 for a malformed request; a 503 (keys unavailable) goes to Passport's error path.
 *
 * ```ts
 * passport.use(new ScopeguardStrategy({ issuer, audience }))
 * app.get('/files', passport.authenticate('scopeguard', { session: false }), requireScope('files:read'), list)
 * ```
 */
export class ScopeguardStrategy extends Strategy {
  /** The name Passport knows this strategy by (`'scopeguard'` unless renamed). */
  name: string
  /** The resource server verifying tokens (e.g. for `strategy.resourceServer.warmUp()`). */
  readonly resourceServer: ResourceServer<object>
  // Plain (not #private) fields: Passport runs each request on Object.create(strategy).
  private readonly routeOptions: AuthenticateOptions
  private readonly passReqToCallback: boolean
  private readonly verifyAuth: VerifyFunction | VerifyFunctionWithRequest | undefined

  /**
   * @param options A resource server, or resource server options (or `{ resourceServer }`) plus
   *   strategy options: `name`, `passReqToCallback`, and the route options `optional`, `query`,
   *   `body`, `legacyHeader`, `maxTokenLength`.
   * @param verify Optional mapping of the verified token to `req.user`.
   * @throws ConfigurationError when an option is wrong.
   */
  constructor(
    options: ScopeguardStrategyOptions & { passReqToCallback: true },
    verify: VerifyFunctionWithRequest,
  )
  constructor(
    options: ResourceServer<object> | (ScopeguardStrategyOptions & { passReqToCallback?: false }),
    verify?: VerifyFunction,
  )
  constructor(
    options: ResourceServer<object> | ScopeguardStrategyOptions,
    verify?: VerifyFunction | VerifyFunctionWithRequest,
  ) {
    super()
    const resolved = resolveStrategyOptions(options)
    if (verify !== undefined && typeof verify !== 'function') {
      throw new ConfigurationError('ScopeguardStrategy: verify must be a function')
    }
    if (resolved.passReqToCallback && verify === undefined) {
      throw new ConfigurationError('ScopeguardStrategy: passReqToCallback needs a verify function')
    }
    this.name = resolved.name
    this.resourceServer = resolved.server
    this.routeOptions = resolved.routeOptions
    this.passReqToCallback = resolved.passReqToCallback
    this.verifyAuth = verify
  }

  /**
   * Called by Passport for each request. Calls exactly one of `success`, `fail`, `error` or
   * `pass` (anonymous request on an `optional` strategy), once, and never throws.
   */
  override authenticate(req: PassportRequest, _options?: unknown): void {
    let pending: Promise<AuthInfo<object> | undefined>
    try {
      // Express's req.protocol honours `trust proxy`; without Express, the connection's scheme.
      const protocol = typeof req.protocol === 'string' ? req.protocol : undefined
      const request = fromNodeRequest(req, { url: req.originalUrl, protocol, body: req.body })
      pending = this.resourceServer.authenticate(request, this.routeOptions)
    } catch (error) {
      this.reject(req, error)
      return
    }
    pending.then(
      (auth) => (auth === undefined ? this.anonymous(req) : this.verified(req, auth)),
      (error: unknown) => this.reject(req, error),
    )
  }

  /** An optional strategy lets it through; a requirement after it answers 401 with our challenge. */
  private anonymous(req: PassportRequest): void {
    markAnonymous(req, this.resourceServer.challengeParams)
    this.pass()
  }

  private verified(req: PassportRequest, auth: AuthInfo<object>): void {
    const verify = this.verifyAuth
    if (verify === undefined) {
      this.accept(req, auth, auth, auth)
      return
    }
    const challengeParams = challengeParamsOf(auth)
    let settled = false
    const done: VerifyDone = (error, user, info) => {
      if (settled) return
      settled = true
      if (error !== null && error !== undefined && error !== false) {
        this.reject(req, isOAuthError(error) ? error.withChallenge(challengeParams) : error)
      } else if (!user) {
        const refused = new InvalidTokenError(rejection(info), { reason: 'claim_validator' })
        this.reject(req, refused.withChallenge(challengeParams))
      } else {
        this.accept(req, auth, user, info ?? auth)
      }
    }
    const failed = (error: unknown): void =>
      done(error ?? new Error('scopeguard: the verify function failed'))
    try {
      const result = this.passReqToCallback
        ? (verify as VerifyFunctionWithRequest)(req, auth as AuthInfo, done)
        : (verify as VerifyFunction)(auth as AuthInfo, done)
      if (isThenable(result)) result.then(undefined, failed)
    } catch (error) {
      failed(error)
    }
  }

  private accept(req: PassportRequest, auth: AuthInfo<object>, user: unknown, info: unknown): void {
    setAuth(req, auth)
    const res = req.res
    if (res && !res.headersSent) {
      const headers = successHeaders(auth)
      for (const name in headers) res.setHeader(name, headers[name] as string)
    }
    this.success(user, info)
  }

  private reject(req: PassportRequest, error: unknown): void {
    if (!isOAuthError(error)) {
      this.error(error as Error)
      return
    }
    setAuthError(req, error)
    // Passport writes WWW-Authenticate only for a final 401 and never Cache-Control; setting both
    // here gives 400s and 403s, and Passport's custom-callback form (as in Nest), the same headers.
    const res = req.res
    if (res && !res.headersSent) {
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value)
    }
    if (error.status >= 500) this.error(error)
    else this.fail(error.challenge(), error.status)
  }
}
