import type { HttpBindings } from '@hono/node-server'
import {
  describeStandardsCases,
  serveStandardsApp,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'
import {
  refuseDelegation,
  requireActor,
  requireAuthentication,
  requireDelegation,
  requireScope,
  resourceMetadata,
  withAuth,
  type Requirement,
  type ResourceServer,
} from '../src/index.js'
import { listener, nodeExtras, router, type NodeFetchHandler } from './node.js'

const ok = (): Response => Response.json({ ok: true })

function guarded(rs: ResourceServer, ...requirements: Requirement[]): NodeFetchHandler {
  return withAuth<Record<string, unknown>, [HttpBindings]>(rs, ok, {
    requirements,
    requestExtras: nodeExtras,
  })
}

function buildHandler({ files, mcp, proxy, elsewhere }: StandardsServers): NodeFetchHandler {
  return router(
    {
      '/files': guarded(files, requireScope('files:read')),
      '/mcp': guarded(mcp),
      '/proxied/files': guarded(proxy, requireScope('files:read')),
      '/elsewhere/files': guarded(elsewhere, requireScope('files:read')),
      '/step-up/mfa': guarded(files, requireAuthentication({ acrValues: ['urn:mfa'] })),
      '/step-up/either': guarded(files, requireAuthentication({ acrValues: ['a', 'b'] })),
      '/step-up/recent': guarded(files, requireAuthentication({ maxAge: 300 })),
      '/step-up/both': guarded(
        files,
        requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }),
      ),
      '/step-up/write': guarded(
        files,
        requireAuthentication({ acrValues: ['urn:mfa'] }),
        requireScope('files:write'),
      ),
      '/delegation/chain': withAuth(
        files,
        (_request, auth) =>
          Response.json({ actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct }),
        { requestExtras: nodeExtras },
      ),
      '/delegation/required': guarded(files, requireDelegation()),
      '/delegation/refused': guarded(files, refuseDelegation()),
      '/delegation/actor': guarded(files, requireActor('svc-a')),
    },
    resourceMetadata(files, mcp),
  )
}

describeStandardsCases('@scopeguard/web on Node', (servers) =>
  serveStandardsApp(listener(buildHandler(servers)), servers.tls),
)
