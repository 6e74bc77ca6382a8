// Type-level tests, checked by `tsc -p tsconfig.json` (the typecheck task); never executed.
import Router from '@koa/router'
import { createResourceServer, type AuthInfo } from '@scopeguard/core'
import type { Middleware } from 'koa'
import { expectTypeOf } from 'vitest'
import { getAuth, protect, requireScope, type OAuthState } from '../src/index.js'

const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'api' })
const tenantRs = createResourceServer<{ tenant: string }>({
  issuer: 'https://auth.example.com',
  audience: 'api',
})

// The default is exactly Middleware<OAuthState> (CONVENTIONS §3).
expectTypeOf(protect(rs)).toEqualTypeOf<Middleware<OAuthState>>()
expectTypeOf(protect({ issuer: 'https://auth.example.com', audience: 'api' })).toEqualTypeOf<
  Middleware<OAuthState>
>()
// Claims typed on the resource server flow into the state.
expectTypeOf(protect(tenantRs)).toEqualTypeOf<Middleware<OAuthState<{ tenant: string }>>>()
// Optional routes may have no auth.
expectTypeOf(protect(rs, { optional: true })).toEqualTypeOf<Middleware<Partial<OAuthState>>>()
// stateKey moves the property.
expectTypeOf(protect(rs, { stateKey: 'user' })).toEqualTypeOf<
  Middleware<{ user: AuthInfo<Record<string, unknown>> }>
>()
expectTypeOf(protect(rs, { stateKey: 'user', optional: true })).toEqualTypeOf<
  Middleware<{ user?: AuthInfo<Record<string, unknown>> }>
>()

// A router typed with OAuthState sees ctx.state.auth in handlers after protect().
new Router<OAuthState<{ tenant: string }>>().get(
  '/files',
  protect(tenantRs),
  requireScope('files:read'),
  (ctx) => {
    expectTypeOf(ctx.state.auth.claims.tenant).toEqualTypeOf<string>()
    expectTypeOf(getAuth<{ tenant: string }>(ctx).claims.tenant).toEqualTypeOf<string>()
  },
)

// @ts-expect-error errors is 'respond' or 'throw'
protect(rs, { errors: 'next' })
// @ts-expect-error getAuth needs a context (something with state), not a request
getAuth({ headers: {} })
