// Identifiers of packages/core/README.md's fragments.
import type * as core from '@scopeguard/core'

declare global {
  const createResourceServer: typeof core.createResourceServer
  const requireScope: typeof core.requireScope
  const rs: core.ResourceServer
  const auth: core.AuthInfo
  const issuer: string
  const audience: string
  /** A request as a framework hands it over (a Fetch `Request` here). */
  const req: Request
  const request: core.RequestLike
  const tenants: ReadonlySet<string>
  const log: { info(fields: object): void }
}
