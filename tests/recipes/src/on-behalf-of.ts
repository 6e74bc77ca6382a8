// Recipe: a service calling on a user's behalf with a token-exchange (RFC 8693) token whose
// actor chain the handler reads.
import { createResourceServer } from '@scopeguard/core'
import { getAuth, protect, refuseDelegation, requireActor, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function onBehalfOfApi(options: { issuer: string; audience: string }): Express {
  const rs = createResourceServer({ issuer: options.issuer, audience: options.audience })
  const app = express()
  const authenticated = protect(rs)

  // The reporting service reads a user's reports with a token exchanged for that user.
  app.get(
    '/users/me/reports',
    authenticated,
    requireScope('reports:read'),
    requireActor('reports-service'),
    (req, res) => {
      const auth = getAuth(req)
      res.json({
        user: auth.subject,
        // actors[0] is the party calling now; the rest of the chain is for the audit log only.
        actingParty: auth.actors[0]?.subject,
        chain: auth.actors.map((actor) => actor.subject),
      })
    },
  )
  // Only the user, never a service acting for them, may change the password.
  app.post('/users/me/password', authenticated, refuseDelegation(), (_req, res) => {
    res.status(204).end()
  })
  return app
}
