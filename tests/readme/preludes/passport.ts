// Identifiers of packages/passport/README.md's fragments.
import type { Express, RequestHandler } from 'express'
import type { PassportStatic } from 'passport'
import type * as adapter from '@scopeguard/passport'

declare global {
  const app: Express
  const passport: PassportStatic
  const rs: adapter.ResourceServer
  const issuer: string
  const createResourceServer: typeof adapter.createResourceServer
  const ScopeguardStrategy: typeof adapter.ScopeguardStrategy
  const resourceMetadata: typeof adapter.resourceMetadata
  const requireAuthentication: typeof adapter.requireAuthentication
  const requireScope: typeof adapter.requireScope
  const transfer: RequestHandler
  const users: { findBySubject(subject: string | undefined): Promise<{ id: string } | undefined> }
}
