import { createResourceServer, type ResourceServerOptions } from '@scopeguard/core'
import { rawRequest } from '@scopeguard/testing'
import * as dpop from 'dpop'
import Router from '@koa/router'
import Koa from 'koa'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import { getAuth, protect, requireScope, type OAuthState } from '../src/index.js'

function app(options: ResourceServerOptions, proxy = false): Koa {
  const application = new Koa({ proxy })
  const router = new Router<OAuthState>()
  router.get(
    '/files',
    protect(createResourceServer(options)),
    requireScope('files:read'),
    (ctx) => {
      const auth = getAuth(ctx)
      ctx.body = { tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint }
    },
  )
  application.use(router.routes())
  return application
}

describeDpopCases(
  '@scopeguard/koa',
  'Koa',
  (options) => serve(app(options).callback()),
  (cases) => {
    let proxied: RunningApp
    beforeAll(async () => {
      proxied = await serve(app(cases.options(), true).callback())
    })
    afterAll(async () => {
      await proxied?.close()
    })

    it('checks htu against the forwarded scheme when the app trusts its proxy (app.proxy), and the raw Host', async () => {
      const token = await cases.issuer.sign({ cnf: { jkt: cases.jkt }, scope: 'files:read' })
      const host = new URL(proxied.origin).host
      const proof = await dpop.generateProof(
        cases.key,
        `https://${host}/files`,
        'GET',
        undefined,
        token,
      )
      const headers: [string, string][] = [
        ['Authorization', `DPoP ${token}`],
        ['DPoP', proof],
        ['X-Forwarded-Proto', 'https'],
      ]
      expect((await rawRequest(proxied.origin, { path: '/files', headers })).status).toBe(200)
      const direct = await rawRequest(cases.plain.origin, { path: '/files', headers })
      expect(direct.status).toBe(401)
      expect(JSON.parse(direct.body)).toMatchObject({ error: 'invalid_dpop_proof' })
    })

    it('never takes the host from X-Forwarded-Host (Koa’s ctx.host): set publicOrigin behind a proxy that rewrites Host', async () => {
      const token = await cases.issuer.sign({ cnf: { jkt: cases.jkt }, scope: 'files:read' })
      const proof = await dpop.generateProof(
        cases.key,
        'https://api.example.com/files',
        'GET',
        undefined,
        token,
      )
      const response = await rawRequest(proxied.origin, {
        path: '/files',
        headers: [
          ['Authorization', `DPoP ${token}`],
          ['DPoP', proof],
          ['X-Forwarded-Proto', 'https'],
          ['X-Forwarded-Host', 'api.example.com'],
        ],
      })
      expect(response.status).toBe(401)
      expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_dpop_proof' })
    })
  },
)
