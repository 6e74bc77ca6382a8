import type { AuthInfo } from '@scopeguard/core'
import type { Request } from 'express'

/** The members of `req.auth` that every middleware writing it provides (the MCP SDK's `AuthInfo`). */
interface SharedAuthInfo {
  token: string
  clientId: string
  scopes: string[]
  expiresAt?: number
  resource?: URL
  extra?: Record<string, unknown>
}

/**
 * How `req.auth` is declared: the members it shares with the MCP SDK's `AuthInfo`, and
 * scopeguard's other members as optional. Other middleware writes `req.auth` too (the SDK's
 * `requireBearerAuth` declares it as its `AuthInfo`), so the declaration accepts their objects and
 * both augmentations merge; `getAuth(req)` returns the full {@link AuthInfo} of a verified token.
 */
export type RequestAuthInfo = SharedAuthInfo & Partial<Omit<AuthInfo, keyof SharedAuthInfo>>

// Inside `namespace Express`, a bare `AuthInfo` would name `Express.AuthInfo` (declared empty by
// @types/passport), not ours: the augmentation refers to ours under a name no one else declares.
type ScopeguardRequestAuthInfo = RequestAuthInfo

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified access token, set by scopeguard's `protect()` (or by other middleware that
       * writes `req.auth`). `getAuth(req)` returns scopeguard's, fully typed.
       */
      auth?: ScopeguardRequestAuthInfo
    }
  }
}

const AUTH = Symbol.for('scopeguard.auth')

/** Stores the auth object on the request (`req.auth`, branded so other libraries' `auth` is not mistaken for ours). */
export function setAuth(req: Request, auth: AuthInfo<object>): void {
  req.auth = auth
  ;(req as unknown as Record<symbol, unknown>)[AUTH] = auth
}

/** Whether `protect()` authenticated this request (false for anonymous requests on optional routes). */
export function hasAuth(req: Request): boolean {
  return (req as unknown as Record<symbol, unknown>)[AUTH] !== undefined
}

/**
 * The auth object `protect()` stored on the request, typed with your claims.
 * @throws Error when `protect()` did not run for this request, or let it through anonymously.
 */
export function getAuth<Claims extends object = Record<string, unknown>>(
  req: Request,
): AuthInfo<Claims> {
  const auth = (req as unknown as Record<symbol, unknown>)[AUTH]
  if (auth === undefined) {
    throw new Error(
      'scopeguard: no authenticated token on this request; register protect() before this handler (or handle anonymous requests on optional routes)',
    )
  }
  return auth as AuthInfo<Claims>
}
