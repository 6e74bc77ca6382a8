// The reference: the same routes served by the Express adapter (@scopeguard/express). Every Nest
// answer is compared with this app's answer to the same request.
import type { AddressInfo } from 'node:net'
import {
  getAuth,
  hasAuth,
  protect,
  requireAnyScope,
  requireClaim,
  requireScope,
} from '@scopeguard/express'
import type { ResourceServer } from '@scopeguard/core'
import express from 'express'

/** A running Express app on a loopback port. */
export interface RunningReference {
  origin: string
  close(): Promise<void>
}

/** The routes of the Nest apps in nest-apps.ts, with @scopeguard/express. */
export function referenceApp(rs: ResourceServer): express.Express {
  const app = express()
  app.use(express.json())
  const guard = protect(rs)
  // Nest names a route's @Scopes() in its 401 challenges; in Express, protect() is told them.
  const naming = (...scopes: string[]) => protect(rs, { challengeScopes: scopes })
  const ok = (_req: express.Request, res: express.Response): void => {
    res.json({ ok: true })
  }
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })
  app.get('/files', naming('files:read'), requireScope('files:read'), (req, res) => {
    const auth = getAuth(req)
    res.json({ sub: auth.subject, scopes: auth.scopes })
  })
  app.post('/files', naming('files:write'), requireScope('files:write'), (_req, res) => {
    res.status(201).json({ created: true })
  })
  app.get('/merged', naming('files', 'files:write'), requireScope('files', 'files:write'), ok)
  app.get('/merged/class-only', naming('files'), requireScope('files'), ok)
  app.get('/any', guard, requireAnyScope('files:read', 'account:read'), ok)
  app.get('/acme', guard, requireClaim('tenant', 'acme'), ok)
  app.get(
    '/admins',
    guard,
    requireClaim('roles', { includes: 'admin' }, { description: 'Administrators only' }),
    ok,
  )
  app.get('/in-handler', guard, requireClaim('tenant', 'acme'), ok)
  app.get(
    '/twice',
    naming('files:read', 'files:write'),
    requireScope('files:read', 'files:write'),
    ok,
  )
  app.get('/optional', protect(rs, { optional: true }), (req, res) => {
    res.json({ anonymous: !hasAuth(req) })
  })
  app.get('/me', guard, (req, res) => {
    const auth = getAuth(req)
    res.json({ sub: auth.subject, client_id: auth.clientId, scopes: auth.scopes })
  })
  app.get('/subject', guard, (req, res) => {
    res.json({ subject: getAuth(req).subject })
  })
  app.get('/open', (_req, res) => {
    res.json({ open: true })
  })
  app.get('/guarded', naming('files:read'), requireScope('files:read'), (req, res) => {
    res.json({ subject: getAuth(req).subject })
  })
  app.get('/recorded', guard, ok)
  app.get('/guarded-class', guard, (req, res) => {
    res.json({ sub: getAuth(req).subject })
  })
  return app
}

/** Starts the reference app on 127.0.0.1 with an ephemeral port. */
export async function startReference(rs: ResourceServer): Promise<RunningReference> {
  const server = await new Promise<ReturnType<express.Express['listen']>>((resolve) => {
    const s = referenceApp(rs).listen(0, '127.0.0.1', () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
