// Identifiers of the repository README's fragments (the recipes are written for Express).
import type { Express, RequestHandler } from 'express'
import type * as adapter from '@scopeguard/express'

declare global {
  const app: Express
  const rs: adapter.ResourceServer
  const issuer: string
  const audience: string
  const store: adapter.Store
  const createResourceServer: typeof adapter.createResourceServer
  const protect: typeof adapter.protect
  const requireScope: typeof adapter.requireScope
  const requireActor: typeof adapter.requireActor
  const refuseDelegation: typeof adapter.refuseDelegation
  const getAuth: typeof adapter.getAuth
  const listFiles: RequestHandler
  const writeFile: RequestHandler
  const archive: RequestHandler
  const sendImage: RequestHandler
  const changePassword: RequestHandler
}
