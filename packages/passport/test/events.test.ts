import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import passportStatic from 'passport'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { errorHandler, requireScope, ScopeguardStrategy } from '../src/index.js'

// The strategy passes the core's options through, so the core's onEvent hook needs no adapter code.
itFiresEvents('passport', (options) => {
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(createResourceServer(options)))
  const app = express()
  app.get(
    '/files',
    passport.authenticate('scopeguard', { session: false, failWithError: true }),
    requireScope('files:read'),
    (_req, res) => {
      res.json({ ok: true })
    },
  )
  app.use(errorHandler())
  return serve(app)
})
