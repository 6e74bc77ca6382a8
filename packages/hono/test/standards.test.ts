import { Hono } from 'hono'
import {
  describeStandardsCases,
  serveStandardsApp,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'
import {
  protect,
  refuseDelegation,
  requireActor,
  requireAuthentication,
  requireDelegation,
  requireScope,
  resourceMetadata,
} from '../src/index.js'
import { listener } from './node.js'

function buildApp({ files, mcp, proxy, elsewhere }: StandardsServers): Hono {
  const app = new Hono()
  app.use(resourceMetadata(files, mcp))
  const guard = protect(files)
  const ok = (c: { json(body: unknown): Response }): Response => c.json({ ok: true })
  app.get('/files', guard, requireScope('files:read'), ok)
  app.get('/mcp', protect(mcp), ok)
  app.get('/proxied/files', protect(proxy), requireScope('files:read'), ok)
  app.get('/elsewhere/files', protect(elsewhere), requireScope('files:read'), ok)
  app.get('/step-up/mfa', guard, requireAuthentication({ acrValues: ['urn:mfa'] }), ok)
  app.get('/step-up/either', guard, requireAuthentication({ acrValues: ['a', 'b'] }), ok)
  app.get('/step-up/recent', guard, requireAuthentication({ maxAge: 300 }), ok)
  app.get(
    '/step-up/both',
    guard,
    requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }),
    ok,
  )
  app.get(
    '/step-up/write',
    guard,
    requireAuthentication({ acrValues: ['urn:mfa'] }),
    requireScope('files:write'),
    ok,
  )
  app.get('/delegation/chain', guard, (c) => {
    const auth = c.get('auth')
    return c.json({ actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct })
  })
  app.get('/delegation/required', guard, requireDelegation(), ok)
  app.get('/delegation/refused', guard, refuseDelegation(), ok)
  app.get('/delegation/actor', guard, requireActor('svc-a'), ok)
  return app
}

describeStandardsCases('@scopeguard/hono on @hono/node-server', (servers) =>
  serveStandardsApp(listener(buildApp(servers)), servers.tls),
)
