import type { AuthInfo } from '@scopeguard/core'
import { authAccessors, setAuth as brand } from '@scopeguard/core/adapter'
import type { Request } from 'express'
import type { IncomingMessage } from 'node:http'

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

/** What `getAuth()` and a requirement without `protect()` before it report. */
export const NO_AUTH =
  'scopeguard: no authenticated token on this request; register protect() before this handler (or handle anonymous requests on optional routes)'

/** Stores the auth object on the request (`req.auth`, branded so other libraries' `auth` is not mistaken for ours). */
export function setAuth(req: Request, auth: AuthInfo<object>): void {
  req.auth = auth
  brand(req, auth)
}

/**
 * `getAuth(req)`: the auth object `protect()` stored on the request, typed with your claims
 * (`getAuth<{ tenant: string }>(req).claims.tenant`); it throws when `protect()` did not run for
 * this request or let it through anonymously. `hasAuth(req)`: whether `protect()` authenticated
 * it (false for anonymous requests on optional routes).
 */
export const { getAuth, hasAuth } = authAccessors<IncomingMessage>(NO_AUTH)
