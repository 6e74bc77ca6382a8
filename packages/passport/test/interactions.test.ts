import express from 'express'
import passportStatic from 'passport'
import { describeInteractionCases, serveTls } from '../../../tests/shared/interaction-cases.js'
import { errorHandler, getAuth, requireScope, ScopeguardStrategy } from '../src/index.js'

describeInteractionCases('@scopeguard/passport', (rs, tls) => {
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(rs))
  const app = express()
  app.use(passport.initialize())
  const guard = passport.authenticate('scopeguard', { session: false, failWithError: true })
  app.get('/files', guard, requireScope('files:read'), (req, res) => {
    const { tokenType, format, issuer, audience, clientId } = getAuth(req)
    res.json({ tokenType, format, issuer, audience, clientId })
  })
  app.use(errorHandler())
  // Anything errorHandler() passes on would be a 5xx: the cases fail on it.
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'server_error', message: error.message })
    },
  )
  return serveTls(app, tls)
})
