import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
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

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return String((server.address() as AddressInfo).port)
}

function start(Koa: typeof Koa3) {
  return async (servers: StandardsServers) => {
    const handler = buildApp(Koa, servers).callback()
    const plain = createHttpServer(handler)
    const tls = createHttpsServer(
      {
        cert: servers.tls.certificate,
        key: servers.tls.privateKey,
        requestCert: true,
        rejectUnauthorized: false,
      },
      handler,
    )
    const [httpPort, httpsPort] = [await listen(plain), await listen(tls)]
    return {
      http: `http://127.0.0.1:${httpPort}`,
      https: `https://127.0.0.1:${httpsPort}`,
      close: async () => {
        for (const server of [plain, tls]) {
          server.closeAllConnections()
          await new Promise((resolve) => server.close(resolve))
        }
      },
    }
  }
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
