import { markAnonymous } from '../anonymous.js'
import type { AuthInfo } from '../auth-info.js'
import type { ChallengeParams } from '../challenge.js'

// Shared by every adapter (and every copy of the package), so that one adapter's getAuth()
// finds what another one's protect stored, and another library's `req.auth` is never taken
// for a verified token.
const AUTH = Symbol.for('scopeguard.auth')

type Slot = Record<symbol, unknown>

/**
 * Stores the verified token on `holder` (a request, or Koa's `ctx.state`) under scopeguard's
 * brand: a non-enumerable property, so that copies and spreads of the holder do not carry it.
 */
export function setAuth(holder: object, auth: AuthInfo<object>): void {
  Object.defineProperty(holder, AUTH, {
    value: auth,
    configurable: true,
    enumerable: false,
    writable: true,
  })
}

/** The token {@link setAuth} stored on `holder`, or undefined. */
export function authOf(holder: object | undefined): AuthInfo<object> | undefined {
  return (holder as Slot | undefined)?.[AUTH] as AuthInfo<object> | undefined
}

/**
 * The token stored on `holder`, typed with the application's claims, for an adapter's
 * `getAuth()`.
 * @param missing the message of the Error thrown when there is none, saying what to register.
 * @throws Error when protect did not run for this request, or let it through anonymously.
 */
export function requireAuthOf<Claims extends object>(
  holder: object,
  missing: string,
): AuthInfo<Claims> {
  const auth = authOf(holder)
  if (auth === undefined) throw new Error(missing)
  return auth as AuthInfo<Claims>
}

/**
 * Records protect's outcome on `holder`: the verified token ({@link setAuth}), or, for an
 * anonymous request an `optional` route let through, the server's challenge, so that a
 * requirement after it answers 401 like a mandatory route.
 */
export function recordAuth(
  holder: object,
  auth: AuthInfo<object> | undefined,
  server: { readonly challengeParams: Readonly<ChallengeParams> },
): void {
  if (auth === undefined) markAnonymous(holder, server.challengeParams)
  else setAuth(holder, auth)
}

/** An adapter's accessors of the verified token, for a request (or context) type `Holder`. */
export interface AuthAccessors<Holder> {
  /**
   * The verified token protect stored for this request, typed with your claims.
   * @throws Error when protect did not run for this request, or let it through anonymously.
   */
  getAuth<Claims extends object = Record<string, unknown>>(holder: Holder): AuthInfo<Claims>
  /** Whether protect authenticated this request (false for anonymous requests on optional routes). */
  hasAuth(holder: Holder): boolean
}

/**
 * An adapter's `getAuth` and `hasAuth`, reading the auth slot of `slotOf(holder)` (the request
 * itself by default; Koa's `ctx.state`).
 * @param missing the message of the Error `getAuth` throws when there is no token, saying what to
 *   register.
 */
export function authAccessors<Holder>(
  missing: string,
  slotOf: (holder: Holder) => object = (holder) => holder as object,
): AuthAccessors<Holder> {
  return {
    getAuth: <Claims extends object>(holder: Holder) =>
      requireAuthOf<Claims>(slotOf(holder) ?? {}, missing),
    hasAuth: (holder) => authOf(slotOf(holder)) !== undefined,
  }
}
