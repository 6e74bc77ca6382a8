// Recipe: one API serving several tenants, each with its own issuer.
import { createResourceServer } from '@scopeguard/core'
import { getAuth, protect, requireScope } from '@scopeguard/express'
import express, { type Express } from 'express'

export function tenantsApi(options: {
  audience: string
  /** Tenant name → that tenant's issuer. */
  tenants: Readonly<Record<string, string>>
}): Express {
  const tenants = new Map(Object.entries(options.tenants))
  const rs = createResourceServer({
    audience: options.audience,
    issuers: [...tenants.values()].map((issuer) => ({ issuer })),
    // The tenant in the path decides which issuer's tokens are accepted: a token from another
    // tenant's issuer is refused even though that issuer is trusted elsewhere.
    resolveIssuer: (request) => {
      const tenant = /^\/t\/([^/?]+)\//.exec(request.url)?.[1]
      return tenant === undefined ? undefined : tenants.get(tenant)
    },
  })
  const app = express()

  app.get('/t/:tenant/files', protect(rs), requireScope('files:read'), (req, res) => {
    const auth = getAuth(req)
    res.json({ tenant: req.params['tenant'], issuer: auth.issuer, user: auth.subject })
  })
  return app
}
