/**
 * The servers the response tables are checked against: Express apps built as the READMEs show,
 * with the documented defaults (only issuer and audience set), on loopback, against the test
 * issuer. `nonce` adds server nonces; `down` has a JWKS endpoint that fails and nothing cached.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import {
  createResourceServer,
  protect,
  refuseDelegation,
  requireActor,
  requireAuthentication,
  requireScope,
  type ResourceServerOptions,
} from '@scopeguard/express'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'

/** Which server a request goes to. */
export type ServerKind = 'default' | 'nonce' | 'down'

/** A running server. */
export interface Running {
  readonly origin: string
  close(): Promise<void>
}

/** The documented example routes: GET/POST /files, GET /account (step-up, no delegation), GET /reports. */
function app(options: ResourceServerOptions): express.Express {
  const rs = createResourceServer(options)
  const api = express()
  const ok: express.RequestHandler = (_req, res) => {
    res.json({ ok: true })
  }
  api.get('/files', protect(rs), requireScope('files:read'), ok)
  api.post('/files', protect(rs), requireScope('files:write'), (_req, res) => {
    res.status(201).json({ created: true })
  })
  api.get(
    '/account',
    protect(rs),
    requireAuthentication({ acrValues: ['urn:mfa'], maxAge: 300 }),
    requireScope('account:read'),
    refuseDelegation(),
    ok,
  )
  api.get('/reports', protect(rs), requireActor('reports-service'), ok)
  return api
}

async function listen(api: express.Express): Promise<Running> {
  const server: Server = await new Promise((resolve) => {
    const started = api.listen(0, '127.0.0.1', () => resolve(started))
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The test issuer and one server of each kind. */
export interface Servers {
  readonly issuer: TestIssuer
  readonly servers: Readonly<Record<ServerKind, Running>>
  close(): Promise<void>
}

export async function startServers(): Promise<Servers> {
  const issuer = await createTestIssuer()
  const broken = await createTestIssuer()
  broken.setFault('jwks', { status: 500 })
  const base = { issuer: issuer.issuer, audience: issuer.audience }
  const servers = {
    default: await listen(app(base)),
    nonce: await listen(app({ ...base, dpop: { nonce: { secret: 'n'.repeat(32) } } })),
    down: await listen(app({ issuer: broken.issuer, audience: broken.audience })),
  }
  return {
    issuer,
    servers,
    async close() {
      await Promise.all(Object.values(servers).map((server) => server.close()))
      await Promise.all([issuer.close(), broken.close()])
    },
  }
}
