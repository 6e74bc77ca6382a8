import {
  getAuth,
  protect,
  refuseDelegation,
  requireAuthentication,
  requireScope,
  resourceMetadata,
  type ScopeguardEnv,
} from '@scopeguard/hono'
import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import type { ExampleConfig } from '@scopeguard/example-config/read-config'
import { Hono, type Context } from 'hono'
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

/** The `name` of a JSON or URL-encoded form body, if there is one. */
async function nameOf(c: Context): Promise<unknown> {
  const type = c.req.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase()
  try {
    if (type === 'application/json') return ((await c.req.json()) as { name?: unknown })?.name
    if (type === 'application/x-www-form-urlencoded') return (await c.req.parseBody())['name']
  } catch {
    // a malformed body: the default name
  }
  return undefined
}

/** The example API: the routes of the examples contract. Runs on Node.js, Bun, Deno and workerd. */
export function createApp(rs: ResourceServer): Hono<ScopeguardEnv> {
  const files: FileEntry[] = [{ id: 1, name: 'welcome.txt', owner: undefined }]
  const app = new Hono<ScopeguardEnv>()
  // RFC 9728: GET /.well-known/oauth-protected-resource, when the configuration publishes it.
  if (rs.resourceMetadata !== undefined) app.use(resourceMetadata(rs))
  const authenticated = protect(rs)

  app.get('/health', (c) => c.json({ status: 'ok' }))

  // The route's scopes go to protect(): required, and named in its 401 challenges (`scope`).
  app.get('/files', protect(rs, { requiredScopes: ['files:read'] }), (c) => c.json({ files }))

  app.post('/files', protect(rs, { requiredScopes: ['files:write'] }), async (c) => {
    const auth = getAuth(c)
    const name = await nameOf(c)
    const file = {
      id: files.length + 1,
      name: typeof name === 'string' ? name : `file-${files.length + 1}.txt`,
      owner: auth.subject,
    }
    files.push(file)
    return c.json(file, 201)
  })

  app.get('/me', authenticated, (c) => {
    const auth = c.get('auth')
    return c.json({
      sub: auth.subject,
      client_id: auth.clientId,
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
    (c) => {
      const auth = c.get('auth')
      return c.json({
        sub: auth.subject,
        acr: auth.claims['acr'],
        auth_time: auth.claims['auth_time'],
      })
    },
  )

  return app
}
