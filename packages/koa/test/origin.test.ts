import { bodyParser } from '@koa/bodyparser'
import Router from '@koa/router'
import { createResourceServer } from '@scopeguard/core'
import Koa from 'koa'
import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { protect, requireScope } from '../src/index.js'

describeOriginCases(
  '@scopeguard/koa',
  (options) => {
    const rs = createResourceServer(options)
    const app = new Koa()
    // Form bodies on every method, as the cases expect (the default skips GET).
    app.use(
      bodyParser({ enableTypes: ['json', 'form'], parsedMethods: ['POST', 'PUT', 'PATCH', 'GET'] }),
    )
    const router = new Router()
    const ok = (ctx: Koa.Context): void => {
      ctx.body = { ok: true }
    }
    router.get('/files', protect(rs), requireScope('files:read'), ok)
    router.post('/files', protect(rs), requireScope('files:read'), ok)
    router.get('/optional', protect(rs, { optional: true }), requireScope('files:read'), ok)
    app.use(router.routes())
    app.use(protect(rs))
    app.use((ctx) => {
      ctx.status = 404
      ctx.body = { error: 'not_found' }
    })
    return serve(app.callback())
  },
  { anyTarget: true, getBodies: true },
)
