import {
  getAuth,
  protect,
  refuseDelegation,
  requireAuthentication,
  requireScope,
  resourceMetadata,
} from '@scopeguard/express'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import express, { type Express } from 'express'
import type { ExampleConfig } from '@scopeguard/example-config'
import './scopes.js'

/** An in-memory file list, enough to show reads and writes. */
interface FileEntry {
  id: number
  name: string
  owner: string | undefined
}

/** What `GET /account` asks of the user's login: multi-factor, within the last five minutes. */
const ACCOUNT_AUTHENTICATION = { acrValues: ['urn:mfa'], maxAge: 300 }

/** Builds the resource server the example uses from its configuration. */
export function createExampleResourceServer(config: ExampleConfig): ResourceServer {
  return createResourceServer(config.resourceServer)
}

/** The example API: the routes of the examples contract. */
export function createApp(rs: ResourceServer): Express {
  const files: FileEntry[] = [{ id: 1, name: 'welcome.txt', owner: undefined }]
  const app = express()
  app.disable('x-powered-by')
  app.use(express.json())
  // Form bodies too: a form access_token sent next to the Authorization header is then visible,
  // and refused with 400 (RFC 6750 §2: one method per request), as in every example.
  app.use(express.urlencoded({ extended: false }))
  // RFC 9728: GET /.well-known/oauth-protected-resource, when the configuration publishes it.
  if (rs.resourceMetadata !== undefined) app.use(resourceMetadata(rs))
  const authenticated = protect(rs)

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  // The route's scopes go to protect(): required, and named in its 401 challenges (`scope`).
  app.get('/files', protect(rs, { requiredScopes: ['files:read'] }), (_req, res) => {
    res.json({ files })
  })

  app.post('/files', protect(rs, { requiredScopes: ['files:write'] }), (req, res) => {
    const auth = getAuth(req)
    const body = req.body as { name?: unknown } | undefined
    const name = typeof body?.name === 'string' ? body.name : `file-${files.length + 1}.txt`
    const file = { id: files.length + 1, name, owner: auth.subject }
    files.push(file)
    res.status(201).json(file)
  })

  app.get('/me', authenticated, (req, res) => {
    const auth = getAuth(req)
    res.json({
      sub: auth.subject,
      client_id: auth.clientId || undefined,
      scopes: auth.scopes,
      issuer: auth.issuer,
      expires_at:
        auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt * 1000).toISOString(),
      // RFC 8693: who acts for the subject, closest actor first (empty for a direct token).
      actors: auth.actors.map((actor) => actor.subject),
    })
  })

  // The account needs a recent multi-factor login (RFC 9470 step-up), account:read, and the user
  // themselves: a service acting for them with a delegated token is refused.
  app.get(
    '/account',
    // Step-up comes before the scope check (RFC 9470), so the scope is only named in the 401.
    protect(rs, { challengeScopes: ['account:read'] }),
    requireAuthentication(ACCOUNT_AUTHENTICATION),
    requireScope('account:read'),
    refuseDelegation(),
    (req, res) => {
      const auth = getAuth(req)
      res.json({ sub: auth.subject, acr: auth.claims['acr'], auth_time: auth.claims['auth_time'] })
    },
  )

  return app
}
