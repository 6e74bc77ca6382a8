// Identifiers of packages/express/README.md's fragments.
import type { Express, RequestHandler } from 'express'
import type * as adapter from '@scopeguard/express'

declare global {
  const app: Express
  const rs: adapter.ResourceServer
  const issuer: string
  const createResourceServer: typeof adapter.createResourceServer
  const protect: typeof adapter.protect
  const resourceMetadata: typeof adapter.resourceMetadata
  const requireAuthentication: typeof adapter.requireAuthentication
  const requireScope: typeof adapter.requireScope
  const transfer: RequestHandler
}
