// Identifiers of packages/koa/README.md's fragments.
import type Koa from 'koa'
import type Router from '@koa/router'
import type * as adapter from '@scopeguard/koa'

declare global {
  const app: Koa
  const router: Router<adapter.OAuthState>
  const rs: adapter.ResourceServer
  const issuer: string
  const createResourceServer: typeof adapter.createResourceServer
  const protect: typeof adapter.protect
  const resourceMetadata: typeof adapter.resourceMetadata
  const requireAuthentication: typeof adapter.requireAuthentication
  const requireScope: typeof adapter.requireScope
  const requirement: typeof adapter.requirement
  const errorHandler: typeof adapter.errorHandler
  const transfer: Koa.Middleware
  const listFiles: Koa.Middleware
  const createFile: Koa.Middleware
}
