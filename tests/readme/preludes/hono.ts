// Identifiers of packages/hono/README.md's fragments.
import type { Hono, Handler } from 'hono'
import type * as adapter from '@scopeguard/hono'

declare global {
  const app: Hono<adapter.ScopeguardEnv>
  const rs: adapter.ResourceServer
  const protect: typeof adapter.protect
  const requireScope: typeof adapter.requireScope
  const errorHandler: typeof adapter.errorHandler
  const listReports: Handler<adapter.ScopeguardEnv>
}
