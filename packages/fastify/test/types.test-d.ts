// Type-level tests, checked by `tsc -p tsconfig.json` (the typecheck task); never executed.
import { createResourceServer, type AuthInfo, type Requirement } from '@scopeguard/core'
import Fastify, { type FastifyRequest } from 'fastify'
import { expectTypeOf } from 'vitest'
import {
  getAuth,
  hasAuth,
  protect,
  requireClaim,
  requireScope,
  scopeguard,
  type RequirementHook,
  type ScopeguardHook,
} from '../src/index.js'

const rs = createResourceServer({ issuer: 'https://auth.example.com', audience: 'api' })
const app = Fastify()

// request.auth is honest: undefined where nothing protects the route.
expectTypeOf<FastifyRequest['auth']>().toEqualTypeOf<AuthInfo | undefined>()
// getAuth() asserts a protected route and takes your claims type.
expectTypeOf(
  getAuth<{ tenant: string }>({} as FastifyRequest).claims.tenant,
).toEqualTypeOf<string>()
// hasAuth() narrows request.auth.
declare const request: FastifyRequest
if (hasAuth(request)) expectTypeOf(request.auth).toEqualTypeOf<AuthInfo>()

// Hooks fit Fastify's route options, in every hook that runs before the handler.
expectTypeOf(protect(rs)).toEqualTypeOf<ScopeguardHook>()
app.get('/files', { onRequest: protect(rs), preHandler: requireScope('files:read') }, () => ({}))
app.get('/files2', { preValidation: [protect(rs), requireScope('files:read')] }, () => ({}))
app.post<{ Body: { name: string } }>(
  '/files',
  { onRequest: protect(rs), preHandler: requireScope('files:write') },
  (req) => ({ name: req.body.name }),
)
app.addHook('onRequest', protect(rs))
// A requirement hook is a core Requirement too.
expectTypeOf(requireScope('files:read')).toEqualTypeOf<RequirementHook>()
expectTypeOf(requireClaim('tenant', 'acme')).toMatchTypeOf<Requirement>()
rs.authorize({} as AuthInfo, requireScope('files:read'))

// The plugin's options and the route config are typed.
void app.register(scopeguard, { server: rs, global: true, hook: 'onRequest', errors: 'throw' })
void app.register(scopeguard, { server: { issuer: 'https://auth.example.com', audience: 'api' } })
// @ts-expect-error server is required
void app.register(scopeguard, { global: true })
// @ts-expect-error hook is one of onRequest, preValidation, preHandler
void app.register(scopeguard, { server: rs, hook: 'onSend' })
// @ts-expect-error errors is 'respond' or 'throw'
protect(rs, { errors: 'next' })
app.get(
  '/admin',
  {
    config: {
      scopeguard: {
        scopes: ['admin'],
        authentication: { acrValues: ['urn:mfa'] },
        requirements: [requireClaim('tenant', 'acme')],
        optional: false,
      },
    },
  },
  () => ({}),
)
app.get('/health', { config: { scopeguard: false } }, () => ({}))
// Fastify infers a route's config type from the literal, so a misspelt key is not a type error
// here: the plugin refuses it when the route is declared (plugin.test.ts).
// fastify.scopeguard is the resource server.
expectTypeOf(app.scopeguard.warmUp).toBeFunction()
