import Router from '@koa/router'
import type { ResourceServer } from '@scopeguard/core'
import Koa3, { type Middleware } from 'koa'
import Koa2 from 'koa2'
import { describe, expect, it } from 'vitest'
import {
  getAuth,
  protect,
  refuseDelegation,
  requireActor,
  requireAuthentication,
  requireDelegation,
  requireScope,
  resourceMetadata,
} from '../src/index.js'
import {
  describeStandardsCases,
  serveStandardsApp,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'

function buildApp(Koa: typeof Koa3, servers: StandardsServers): Koa3 {
  const { files, mcp, proxy, elsewhere } = servers
  const app = new Koa()
  app.use(resourceMetadata(files, mcp))
  const router = new Router()
  const guard = protect(files)
  const ok: Middleware = (ctx) => {
    ctx.body = { ok: true }
  }
  router.get('/files', guard, requireScope('files:read'), ok)
  router.get('/mcp', protect(mcp), ok)
  router.get('/mcp/tools', protect(mcp, { requiredScopes: ['mcp:tools'] }), ok)
  router.get('/proxied/files', protect(proxy), requireScope('files:read'), ok)
  router.get('/elsewhere/files', protect(elsewhere), requireScope('files:read'), ok)
  router.get('/step-up/mfa', guard, requireAuthentication({ acrValues: ['urn:mfa'] }), ok)
  router.get('/step-up/either', guard, requireAuthentication({ acrValues: ['a', 'b'] }), ok)
  router.get('/step-up/recent', guard, requireAuthentication({ maxAge: 300 }), ok)
  router.get(
    '/step-up/both',
    guard,
    requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }),
    ok,
  )
  router.get(
    '/step-up/write',
    guard,
    requireAuthentication({ acrValues: ['urn:mfa'] }),
    requireScope('files:write'),
    ok,
  )
  router.get('/delegation/chain', guard, (ctx) => {
    const auth = getAuth(ctx)
    ctx.body = { actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct }
  })
  router.get('/delegation/required', guard, requireDelegation(), ok)
  router.get('/delegation/refused', guard, refuseDelegation(), ok)
  router.get('/delegation/actor', guard, requireActor('svc-a'), ok)
  app.use(router.routes())
  return app
}

function start(Koa: typeof Koa3) {
  return (servers: StandardsServers) =>
    serveStandardsApp(buildApp(Koa, servers).callback(), servers.tls)
}

describeStandardsCases('Koa 3', start(Koa3))
describeStandardsCases('Koa 2', start(Koa2 as unknown as typeof Koa3))

describe('resourceMetadata()', () => {
  const plain = {
    resourceMetadata: undefined,
    authenticate: () => undefined,
  } as unknown as ResourceServer

  it('refuses a resource server without the resourceMetadata option', () => {
    expect(() => resourceMetadata(plain)).toThrow(/resourceMetadata option/)
  })

  it('refuses to be called with nothing', () => {
    expect(() => resourceMetadata()).toThrow(/at least one/)
  })
})
