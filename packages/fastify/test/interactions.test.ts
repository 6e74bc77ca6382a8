import { describeInteractionCases, serveTls } from '../../../tests/shared/interaction-cases.js'
import { getAuth, protect, requireScope } from '../src/index.js'
import { createApp, serveApp } from './app.js'

describeInteractionCases('@scopeguard/fastify', (rs, tls) => {
  const test = createApp()
  test.app.get(
    '/files',
    { onRequest: protect(rs), preHandler: requireScope('files:read') },
    (request) => {
      const { tokenType, format, issuer, audience, clientId } = getAuth(request)
      return { tokenType, format, issuer, audience, clientId }
    },
  )
  return serveApp(test, (listener) => serveTls(listener, tls))
})
