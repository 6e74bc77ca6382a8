import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import passportStatic from 'passport'
import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { errorHandler, getAuth, requireScope, ScopeguardStrategy } from '../src/index.js'

describeDpopCases('@scopeguard/passport', 'Express', (options) => {
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(createResourceServer(options)))
  const app = express()
  app.use(passport.initialize())
  const guard = passport.authenticate('scopeguard', { session: false, failWithError: true })
  app.get('/files', guard, requireScope('files:read'), (req, res) => {
    const auth = getAuth(req)
    res.json({ tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint })
  })
  app.use(errorHandler())
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'server_error', message: error.message })
    },
  )
  return serve(app)
})
