import express from 'express'
import { describeInteractionCases, serveTls } from '../../../tests/shared/interaction-cases.js'
import { getAuth, protect, requireScope } from '../src/index.js'

describeInteractionCases('@scopeguard/express', (rs, tls) => {
  const app = express()
  app.get('/files', protect(rs), requireScope('files:read'), (req, res) => {
    const { tokenType, format, issuer, audience, clientId } = getAuth(req)
    res.json({ tokenType, format, issuer, audience, clientId })
  })
  return serveTls(app, tls)
})
