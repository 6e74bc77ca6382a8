import type { ResourceServer } from '@scopeguard/core'
import express from 'express'
import passportStatic from 'passport'
import { describe, expect, it } from 'vitest'
import {
  errorHandler,
  getAuth,
  refuseDelegation,
  requireActor,
  requireAuthentication,
  requireDelegation,
  requireScope,
  resourceMetadata,
  ScopeguardStrategy,
} from '../src/index.js'
import {
  describeStandardsCases,
  serveStandardsApp,
  type StandardsServers,
} from '../../../tests/shared/standards-cases.js'

function buildApp(servers: StandardsServers): express.Express {
  const passport = new passportStatic.Passport()
  const files = new ScopeguardStrategy(servers.files)
  passport.use(files)
  passport.use(new ScopeguardStrategy({ resourceServer: servers.mcp, name: 'mcp' }))
  passport.use(
    new ScopeguardStrategy({
      resourceServer: servers.mcp,
      name: 'mcp-tools',
      requiredScopes: ['mcp:tools'],
    }),
  )
  passport.use(new ScopeguardStrategy({ resourceServer: servers.proxy, name: 'proxy' }))
  passport.use(new ScopeguardStrategy({ resourceServer: servers.elsewhere, name: 'elsewhere' }))
  const app = express()
  app.use(resourceMetadata(files, servers.mcp))
  app.use(passport.initialize())
  const by = (name: string) => passport.authenticate(name, { session: false, failWithError: true })
  const guard = by('scopeguard')
  const ok = (_req: express.Request, res: express.Response): void => {
    res.json({ ok: true })
  }
  app.get('/files', guard, requireScope('files:read'), ok)
  app.get('/mcp', by('mcp'), ok)
  app.get('/mcp/tools', by('mcp-tools'), ok)
  app.get('/proxied/files', by('proxy'), requireScope('files:read'), ok)
  app.get('/elsewhere/files', by('elsewhere'), requireScope('files:read'), ok)
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
  app.use(errorHandler())
  return app
}

describeStandardsCases('Passport on Express 5', (servers) =>
  serveStandardsApp(buildApp(servers), servers.tls),
)

describe('resourceMetadata()', () => {
  const plain = {
    resourceMetadata: undefined,
    authenticate: () => undefined,
  } as unknown as ResourceServer

  it('refuses a resource server without the resourceMetadata option', () => {
    expect(() => resourceMetadata(plain)).toThrow(/resourceMetadata option/)
    expect(() => resourceMetadata(new ScopeguardStrategy(plain))).toThrow(/resourceMetadata option/)
  })

  it('refuses to be called with nothing', () => {
    expect(() => resourceMetadata()).toThrow(/at least one/)
  })
})
