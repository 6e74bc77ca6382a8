import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { getAuth, protect, refuseDelegation, scopeguard } from '@scopeguard/fastify'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
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

/**
 * Parses `application/x-www-form-urlencoded` bodies (a repeated field becomes an array), as
 * @fastify/formbody does: a form access_token sent next to the Authorization header is then
 * visible, and refused with 400 (RFC 6750 §2: one method per request), as in every example.
 */
function acceptForms(app: FastifyInstance): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const form: Record<string, string | string[]> = Object.create(null) as Record<string, never>
      for (const [name, value] of new URLSearchParams(body as string)) {
        const previous = form[name]
        form[name] =
          previous === undefined
            ? value
            : Array.isArray(previous)
              ? [...previous, value]
              : [previous, value]
      }
      done(null, form)
    },
  )
}

/** The example API: the routes of the examples contract. */
export async function createApp(rs: ResourceServer): Promise<FastifyInstance> {
  const files: FileEntry[] = [{ id: 1, name: 'welcome.txt', owner: undefined }]
  const guard = protect(rs)
  const app = Fastify({
    logger: false,
    // Closing (SIGTERM) ends open keep-alive connections too, as the other examples do.
    forceCloseConnections: true,
    // A target Fastify's router cannot take (an absolute-form URL with a bad port) reaches no
    // route and no hook: it goes through the guard here, so it gets the answer every example
    // gives (400 for a DPoP proof whose URL cannot be formed, 401 without a token), and
    // Fastify's own 400 when the guard lets it through.
    frameworkErrors(error, request, reply) {
      // Typed for any route generic by Fastify; this handler serves no route.
      const answer = reply as FastifyReply
      if (error.code !== 'FST_ERR_BAD_URL') return answer.send(error)
      return guard(request as FastifyRequest, answer).then(() =>
        answer.sent ? answer : answer.send(error),
      )
    },
  })
  acceptForms(app)
  // Protects the routes that declare config.scopeguard (in preValidation: after the body is
  // parsed, before any validation), and serves GET /.well-known/oauth-protected-resource
  // (RFC 9728) when the configuration publishes it.
  await app.register(scopeguard, { server: rs })

  app.get('/health', () => ({ status: 'ok' }))

  app.get('/files', { config: { scopeguard: { requiredScopes: ['files:read'] } } }, () => ({
    files,
  }))

  app.post(
    '/files',
    { config: { scopeguard: { requiredScopes: ['files:write'] } } },
    async (request, reply) => {
      const auth = getAuth(request)
      const body = request.body as { name?: unknown } | undefined
      const name = typeof body?.name === 'string' ? body.name : `file-${files.length + 1}.txt`
      const file = { id: files.length + 1, name, owner: auth.subject }
      files.push(file)
      return reply.code(201).send(file)
    },
  )

  app.get('/me', { config: { scopeguard: {} } }, (request) => {
    const auth = getAuth(request)
    return {
      sub: auth.subject,
      client_id: auth.clientId || undefined,
      scopes: auth.scopes,
      issuer: auth.issuer,
      expires_at:
        auth.expiresAt === undefined ? undefined : new Date(auth.expiresAt * 1000).toISOString(),
      // RFC 8693: who acts for the subject, closest actor first (empty for a direct token).
      actors: auth.actors.map((actor) => actor.subject),
    }
  })

  // The account needs a recent multi-factor login (RFC 9470 step-up), account:read, and the user
  // themselves: a service acting for them with a delegated token is refused.
  app.get(
    '/account',
    {
      config: {
        scopeguard: {
          authentication: ACCOUNT_AUTHENTICATION,
          scopes: ['account:read'],
          // Step-up comes first (RFC 9470), so the scope is only named in the 401.
          challengeScopes: ['account:read'],
          requirements: [refuseDelegation()],
        },
      },
    },
    (request) => {
      const auth = getAuth(request)
      return { sub: auth.subject, acr: auth.claims['acr'], auth_time: auth.claims['auth_time'] }
    },
  )

  return app
}
