// Recipe: per-resource read/write scopes for server apps using client_credentials.
import { createResourceServer } from '@scopeguard/core'
import { getAuth, protect, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function serverAppsApi(options: { issuer: string; audience: string }): Express {
  const rs = createResourceServer({
    issuer: options.issuer,
    audience: options.audience,
    // Writing a resource implies reading it; nothing else is implied.
    scopes: { implies: { 'files:write': ['files:read'] } },
  })
  const app = express()
  const authenticated = protect(rs)

  app.get('/files', authenticated, requireScope('files:read'), (_req, res) => {
    res.json({ files: ['q3-report.pdf'] })
  })
  app.put('/files/:name', authenticated, requireScope('files:write'), (req, res) => {
    res.status(201).json({ name: req.params['name'] })
  })
  app.get('/account', authenticated, requireScope('account:read'), (req, res) => {
    // A client_credentials token names the app, not a user: sub is the app's client id.
    const auth = getAuth(req)
    res.json({ app: auth.clientId, subject: auth.subject })
  })
  app.post('/archives', authenticated, requireScope('archives:write'), (_req, res) => {
    res.status(202).json({ archiving: true })
  })
  return app
}
