import type { ChallengeParams } from './challenge.js'
import { MissingTokenError } from './errors.js'

const ANONYMOUS = Symbol.for('scopeguard.anonymous')

/**
 * Records that an `optional` route let this request through without a token, with the challenge
 * parameters of the resource server that did (adapters call it on the request, or Koa's
 * `ctx.state`), so that a requirement after it can refuse the request like a mandatory route.
 */
export function markAnonymous(holder: object, challengeParams: Readonly<ChallengeParams>): void {
  Object.defineProperty(holder, ANONYMOUS, {
    value: challengeParams,
    configurable: true,
    enumerable: false,
  })
}

/**
 * The answer to a requirement (`requireScope()` …) on a request an `optional` route let through
 * anonymously: 401 with the server's full challenge (`realm`, `resource_metadata`, the DPoP
 * scheme), exactly as a mandatory route answers a request without a token. Undefined when
 * {@link markAnonymous} was not called for it.
 */
export function anonymousRefusal(holder: object): MissingTokenError | undefined {
  const params = (holder as Record<symbol, unknown>)[ANONYMOUS]
  if (params === undefined) return undefined
  return new MissingTokenError().withChallenge(params as ChallengeParams)
}
