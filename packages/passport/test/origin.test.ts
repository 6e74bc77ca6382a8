import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import passportStatic from 'passport'
import { describeOriginCases } from '../../../tests/shared/origin-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { errorHandler, requireScope, ScopeguardStrategy } from '../src/index.js'

describeOriginCases(
  '@scopeguard/passport',
  (options) => {
    const rs = createResourceServer(options)
    const passport = new passportStatic.Passport()
    passport.use(new ScopeguardStrategy(rs))
    passport.use('optional', new ScopeguardStrategy({ resourceServer: rs, optional: true }))
    const app = express()
    app.use(express.urlencoded({ extended: false }))
    app.use(passport.initialize())
    const guard = passport.authenticate('scopeguard', { session: false, failWithError: true })
    const optional = passport.authenticate('optional', { session: false, failWithError: true })
    const ok = (_req: express.Request, res: express.Response): void => {
      res.json({ ok: true })
    }
    app.get('/files', guard, requireScope('files:read'), ok)
    app.post('/files', guard, requireScope('files:read'), ok)
    app.get('/optional', optional, requireScope('files:read'), ok)
    app.use(guard, (_req, res) => {
      res.status(404).json({ error: 'not_found' })
    })
    app.use(errorHandler())
    return serve(app)
  },
  { anyTarget: true, getBodies: true },
)
