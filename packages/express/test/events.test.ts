import { createResourceServer } from '@scopeguard/core'
import express from 'express'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { serve } from '../../../tests/shared/serve.js'
import { protect, requireScope } from '../src/index.js'

// The adapter passes the core's options through, so the core's onEvent hook needs no adapter code.
itFiresEvents('express', (options) => {
  const app = express()
  app.get(
    '/files',
    protect(createResourceServer(options)),
    requireScope('files:read'),
    (_req, res) => {
      res.json({ ok: true })
    },
  )
  return serve(app)
})
