import type { ResourceServer } from '@scopeguard/core'
import express5 from 'express'
import express4 from 'express4'
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

function buildApp(express: typeof express5, servers: StandardsServers): express5.Express {
  const { files, mcp, proxy, elsewhere } = servers
  const app = express()
  app.use(resourceMetadata(files, mcp))
  const guard = protect(files)
  const ok = (_req: express5.Request, res: express5.Response): void => {
    res.json({ ok: true })
  }
  app.get('/files', guard, requireScope('files:read'), ok)
  app.get('/mcp', protect(mcp), ok)
  app.get('/mcp/tools', protect(mcp, { requiredScopes: ['mcp:tools'] }), ok)
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
  app.get('/delegation/chain', guard, (req, res) => {
    const auth = getAuth(req)
    res.json({ actors: auth.actors.map((actor) => actor.subject), mayAct: auth.mayAct })
  })
  app.get('/delegation/required', guard, requireDelegation(), ok)
  app.get('/delegation/refused', guard, refuseDelegation(), ok)
  app.get('/delegation/actor', guard, requireActor('svc-a'), ok)
  return app
}

function start(express: typeof express5) {
  return (servers: StandardsServers) => serveStandardsApp(buildApp(express, servers), servers.tls)
}

describeStandardsCases('Express 5', start(express5))
describeStandardsCases('Express 4', start(express4 as unknown as typeof express5))

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
