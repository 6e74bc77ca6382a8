import Router from '@koa/router'
import Koa from 'koa'
import { describeInteractionCases, serveTls } from '../../../tests/shared/interaction-cases.js'
import { getAuth, protect, requireScope, type OAuthState } from '../src/index.js'

describeInteractionCases('@scopeguard/koa', (rs, tls) => {
  const app = new Koa()
  const router = new Router<OAuthState>()
  router.get('/files', protect(rs), requireScope('files:read'), (ctx) => {
    const { tokenType, format, issuer, audience, clientId } = getAuth(ctx)
    ctx.body = { tokenType, format, issuer, audience, clientId }
  })
  app.use(router.routes())
  return serveTls(app.callback(), tls)
})
