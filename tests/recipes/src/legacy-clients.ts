// Recipe: a legacy client sending `Authorization: <token>` with no scheme, accepted only where
// enabled.
import { createResourceServer } from '@scopeguard/core'
import { getAuth, protect, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function legacyClientsApi(options: { issuer: string; audience: string }): Express {
  const rs = createResourceServer({ issuer: options.issuer, audience: options.audience })
  const app = express()
  const list = (req: express.Request, res: express.Response): void => {
    res.json({ files: ['notes.txt'], source: getAuth(req).source })
  }

  // The old API version keeps working for clients that never learned the Bearer scheme.
  app.get('/v1/files', protect(rs, { legacyHeader: true }), requireScope('files:read'), list)
  // The current version accepts `Authorization: Bearer <token>` only.
  app.get('/v2/files', protect(rs), requireScope('files:read'), list)
  return app
}
