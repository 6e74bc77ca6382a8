// Identifiers of packages/web/README.md's fragments.
import type * as adapter from '@scopeguard/web'

declare global {
  const rs: adapter.ResourceServer
}
