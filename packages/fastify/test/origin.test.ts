import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { scopeguard } from '../src/index.js'
import { acceptForms, createApp, serveApp } from './app.js'

// The plugin with global: true guards every route and the not-found handler. Fastify's router
// answers a malformed target (an absolute-form URL with a bad port) itself, with its own 400,
// before any hook: so not anyTarget (fastify.test.ts covers OPTIONS * and that 400). Fastify never
// parses a GET's body.
describeOriginCases(
  '@scopeguard/fastify',
  async (options) => {
    const test = createApp()
    acceptForms(test.app)
    await test.app.register(scopeguard, { server: options, global: true })
    const files = { config: { scopeguard: { scopes: ['files:read' as const] } } }
    test.app.get('/files', files, () => ({ ok: true }))
    test.app.post('/files', files, () => ({ ok: true }))
    test.app.get(
      '/optional',
      { config: { scopeguard: { optional: true, scopes: ['files:read' as const] } } },
      () => ({ ok: true }),
    )
    test.app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }))
    return serveApp(test)
  },
  { anyTarget: false, getBodies: false },
)
