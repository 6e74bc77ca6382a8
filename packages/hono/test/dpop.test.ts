import { Hono } from 'hono'
import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import {
  createResourceServer,
  protect,
  requireScope,
  type ResourceServerOptions,
} from '../src/index.js'
import { listener } from './node.js'

function filesApp(options: ResourceServerOptions): Promise<RunningApp> {
  const app = new Hono()
  app.get('/files', protect(createResourceServer(options)), requireScope('files:read'), (c) => {
    const auth = c.get('auth')
    return c.json({ tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint })
  })
  return serve(listener(app))
}

describeDpopCases('@scopeguard/hono', 'Hono', filesApp)

itFiresEvents('@scopeguard/hono', filesApp)

// @hono/node-server refuses a Host or request target it cannot make a URL of (400, plain text)
// before the app runs; the cases that send those are left to the Express-style frameworks.
describeOriginCases(
  '@scopeguard/hono',
  (options) => {
    const rs = createResourceServer(options)
    const app = new Hono()
    const ok = (c: { json(body: unknown): Response }): Response => c.json({ ok: true })
    app.on(['GET', 'POST'], '/files', protect(rs), requireScope('files:read'), ok)
    app.get('/optional', protect(rs, { optional: true }), requireScope('files:read'), ok)
    app.all('*', protect(rs), (c) => c.notFound())
    return serve(listener(app))
  },
  { anyTarget: true, getBodies: false },
)
