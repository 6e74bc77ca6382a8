import { describe, expect, it } from 'vitest'
import {
  describeStandardsCases,
  serveStandardsApp,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'
import {
  getAuth,
  protect,
  refuseDelegation,
  requireActor,
  requireDelegation,
  requireScope,
  resourceMetadata,
  scopeguard,
  type ResourceServer,
} from '../src/index.js'
import { createApp } from './app.js'

// The `files` routes go through the plugin and their config (step-up and delegation included);
// the other servers' routes through route hooks. Both metadata documents come from
// resourceMetadata() as routes.
async function start(servers: StandardsServers) {
  const { files, mcp, proxy, elsewhere, tls } = servers
  const { app, listener } = createApp()
  await app.register(resourceMetadata(files, mcp))
  await app.register(scopeguard, { server: files, resourceMetadata: false })
  const ok = () => ({ ok: true })
  const route = (config: object) => ({ config: { scopeguard: config } })
  app.get('/files', route({ scopes: ['files:read'] }), ok)
  app.get('/mcp', { onRequest: protect(mcp) }, ok)
  app.get('/mcp/tools', { onRequest: protect(mcp, { requiredScopes: ['mcp:tools'] }) }, ok)
  const proxied = (rs: ResourceServer) => ({
    onRequest: protect(rs),
    preHandler: requireScope('files:read'),
  })
  app.get('/proxied/files', proxied(proxy), ok)
  app.get('/elsewhere/files', proxied(elsewhere), ok)
  app.get('/step-up/mfa', route({ authentication: { acrValues: ['urn:mfa'] } }), ok)
  app.get('/step-up/either', route({ authentication: { acrValues: ['a', 'b'] } }), ok)
  app.get('/step-up/recent', route({ authentication: { maxAge: 300 } }), ok)
  app.get('/step-up/both', route({ authentication: { acrValues: ['urn:mfa'], maxAge: 300 } }), ok)
  app.get(
    '/step-up/write',
    route({ authentication: { acrValues: ['urn:mfa'] }, scopes: ['files:write'] }),
    ok,
  )
  app.get('/delegation/chain', route({}), (request) => {
    const auth = getAuth(request)
    return { actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct }
  })
  app.get('/delegation/required', route({ requirements: [requireDelegation()] }), ok)
  app.get('/delegation/refused', route({ requirements: [refuseDelegation()] }), ok)
  app.get('/delegation/actor', route({ requirements: [requireActor('svc-a')] }), ok)
  await app.ready()
  const running = await serveStandardsApp(listener, tls)
  return {
    ...running,
    close: async () => {
      await running.close()
      await app.close()
    },
  }
}

describeStandardsCases('Fastify 5', start)

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

  it('refuses two documents at the same path', () => {
    const metadata = {
      url: 'https://a.test/.well-known/oauth-protected-resource',
      path: '/.well-known/oauth-protected-resource',
      document: { resource: 'https://a.test' },
    }
    expect(() => resourceMetadata(metadata, { ...metadata })).toThrow(/two resource servers/)
  })
})
