import Router from '@koa/router'
import { createResourceServer } from '@scopeguard/core'
import Koa from 'koa'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { protect, requireScope, type OAuthState } from '../src/index.js'

// The adapter passes the core's options through, so the core's onEvent hook needs no adapter code.
itFiresEvents('koa', (options) => {
  const app = new Koa()
  const router = new Router<OAuthState>()
  router.get(
    '/files',
    protect(createResourceServer(options)),
    requireScope('files:read'),
    (ctx) => {
      ctx.body = { ok: true }
    },
  )
  app.use(router.routes())
  return serve(app.callback())
})
