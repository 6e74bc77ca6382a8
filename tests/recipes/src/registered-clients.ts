// Recipe: only client applications an administrator has registered may call the API.
import { createResourceServer, type ResourceServer, type Store } from '@scopeguard/core'
import { getAuth, protect, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function registeredClientsApi(options: {
  issuer: string
  audience: string
  /** Shared by every instance (e.g. `createRedisStore(...)`); the registry lives there. */
  store: Store
}): Express & { rs: ResourceServer } {
  const rs = createResourceServer({
    issuer: options.issuer,
    audience: options.audience,
    // Tokens of clients that are not in the registry get 401 invalid_token, cached or not.
    allowedClients: 'registry',
    store: options.store,
  })
  const app = express()
  const authenticated = protect(rs)

  app.get('/files', authenticated, requireScope('files:read'), (req, res) => {
    res.json({ client: getAuth(req).clientId })
  })
  // An administrator's app registers and removes client applications. Its own client id must be
  // registered too (once, at setup: `await rs.registerClient(adminClientId)`).
  app.put('/admin/clients/:id', authenticated, requireScope('clients:admin'), async (req, res) => {
    await rs.registerClient(String(req.params['id']))
    res.status(204).end()
  })
  app.delete(
    '/admin/clients/:id',
    authenticated,
    requireScope('clients:admin'),
    async (req, res) => {
      await rs.revokeClient(String(req.params['id']))
      res.status(204).end()
    },
  )
  return Object.assign(app, { rs })
}
