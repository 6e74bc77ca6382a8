import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { getAuth, protect, requireScope } from '../src/index.js'

describeDpopCases('@scopeguard/express', 'Express', (options) => {
  const app = express()
  app.get(
    '/files',
    protect(createResourceServer(options)),
    requireScope('files:read'),
    (req, res) => {
      const auth = getAuth(req)
      res.json({ tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint })
    },
  )
  return serve(app)
})
