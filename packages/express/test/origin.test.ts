import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { protect, requireScope } from '../src/index.js'

describeOriginCases(
  '@scopeguard/express',
  (options) => {
    const rs = createResourceServer(options)
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    const ok = (_req: express.Request, res: express.Response): void => {
      res.json({ ok: true })
    }
    app.get('/files', protect(rs), requireScope('files:read'), ok)
    app.post('/files', protect(rs), requireScope('files:read'), ok)
    app.get('/optional', protect(rs, { optional: true }), requireScope('files:read'), ok)
    app.use(protect(rs), (_req, res) => {
      res.status(404).json({ error: 'not_found' })
    })
    return serve(app)
  },
  { anyTarget: true, getBodies: true },
)
