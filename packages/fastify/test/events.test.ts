import { createResourceServer } from '@scopeguard/core'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { protect, requireScope } from '../src/index.js'
import { createApp, serveApp } from './app.js'

// The adapter passes the core's options through, so the core's onEvent hook needs no adapter code.
itFiresEvents('fastify', (options) => {
  const test = createApp()
  test.app.get(
    '/files',
    { onRequest: protect(createResourceServer(options)), preHandler: requireScope('files:read') },
    () => ({ ok: true }),
  )
  return serveApp(test)
})
