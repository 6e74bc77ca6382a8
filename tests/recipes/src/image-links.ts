// Recipe: one image route that alone accepts a query-string token (custom parameter name) with a
// low-privilege `files` scope; a broader `base` scope implies `files`.
import { createResourceServer } from '@scopeguard/core'
import { protect, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function imageLinksApi(options: { issuer: string; audience: string }): Express {
  const rs = createResourceServer({
    issuer: options.issuer,
    audience: options.audience,
    scopes: { implies: { base: ['files'] } },
  })
  const app = express()

  // <img src="/images/42?ssoToken=…">: browsers cannot send a header for an image. Only this
  // route reads the query, and protect() marks its answers Cache-Control: private.
  app.get('/images/:id', protect(rs, { query: 'ssoToken' }), requireScope('files'), (_req, res) => {
    res.type('image/svg+xml').send('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')
  })
  // Every other route takes the token from the Authorization header only.
  app.get('/files', protect(rs), requireScope('files'), (_req, res) => {
    res.json({ files: ['logo.svg'] })
  })
  return app
}
