import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import {
  getAuth,
  protect,
  refuseDelegation,
  requireAuthentication,
  requireScope,
  resourceMetadata,
  type OAuthState,
} from '@scopeguard/koa'
import Koa from 'koa'
import type { ExampleConfig } from '@scopeguard/example-config'
import './scopes.js'

/** An in-memory file list, enough to show reads and writes. */
interface FileEntry {
  id: number
  name: string
  owner: string | undefined
}

/** What `GET /account` asks of the user's login: multi-factor, within the last five minutes. */
const ACCOUNT_AUTHENTICATION = { acrValues: ['urn:mfa'], maxAge: 300 }

/** Builds the resource server the example uses from its configuration. */
export function createExampleResourceServer(config: ExampleConfig): ResourceServer {
  return createResourceServer(config.resourceServer)
}

/** The example API: the routes of the examples contract. */
export function createApp(rs: ResourceServer): Koa {
  const files: FileEntry[] = [{ id: 1, name: 'welcome.txt', owner: undefined }]
  const app = new Koa()
  // JSON and forms, like every example: a form access_token sent next to the Authorization
  // header is then visible, and refused with 400 (RFC 6750 §2: one method per request).
  app.use(bodyParser({ enableTypes: ['json', 'form'] }))
  // RFC 9728: GET /.well-known/oauth-protected-resource, when the configuration publishes it.
  if (rs.resourceMetadata !== undefined) app.use(resourceMetadata(rs))
  const router = new Router<OAuthState>()
  const authenticated = protect(rs)

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }
  })

  // The route's scopes go to protect(): required, and named in its 401 challenges (`scope`).
  router.get('/files', protect(rs, { requiredScopes: ['files:read'] }), (ctx) => {
    ctx.body = { files }
  })

  router.post('/files', protect(rs, { requiredScopes: ['files:write'] }), (ctx) => {
    const body = ctx.request.body as { name?: unknown } | undefined
    const name = typeof body?.name === 'string' ? body.name : `file-${files.length + 1}.txt`
    const file = { id: files.length + 1, name, owner: ctx.state.auth.subject }
    files.push(file)
    ctx.status = 201
    ctx.body = file
  })

  router.get('/me', authenticated, (ctx) => {
    const auth = getAuth(ctx)
    ctx.body = {
      sub: auth.subject,
      client_id: auth.clientId || undefined,
      scopes: auth.scopes,
      issuer: auth.issuer,
      expires_at:
        auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt * 1000).toISOString(),
      // RFC 8693: who acts for the subject, closest actor first (empty for a direct token).
      actors: auth.actors.map((actor) => actor.subject),
    }
  })

  // The account needs a recent multi-factor login (RFC 9470 step-up), account:read, and the user
  // themselves: a service acting for them with a delegated token is refused.
  router.get(
    '/account',
    // Step-up comes before the scope check (RFC 9470), so the scope is only named in the 401.
    protect(rs, { challengeScopes: ['account:read'] }),
    requireAuthentication(ACCOUNT_AUTHENTICATION),
    requireScope('account:read'),
    refuseDelegation(),
    (ctx) => {
      const auth = getAuth(ctx)
      ctx.body = { sub: auth.subject, acr: auth.claims['acr'], auth_time: auth.claims['auth_time'] }
    },
  )

  app.use(router.routes())
  return app
}
