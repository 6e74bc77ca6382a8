import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { getAuth, scopeguard } from '../src/index.js'
import { createApp, serveApp } from './app.js'

// Through the plugin and the route's config (the plugin's preValidation hook).
describeDpopCases('@scopeguard/fastify', 'Fastify', async (options) => {
  const test = createApp()
  await test.app.register(scopeguard, { server: options })
  test.app.get('/files', { config: { scopeguard: { scopes: ['files:read'] } } }, (request) => {
    const auth = getAuth(request)
    return { tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint }
  })
  return serveApp(test)
})
