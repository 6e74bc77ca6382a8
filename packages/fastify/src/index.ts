// Everything an application needs from @scopeguard/core, so that the adapter is the one package
// it imports; this package's own exports win over the core's of the same names.
// `declare module '@scopeguard/fastify' { interface Register { … } }` augments the core's Register.
export * from '@scopeguard/core'
export type { Register } from '@scopeguard/core'
export { scopeguard } from './plugin.js'
export type { ProtectHookName, ScopeguardOptions } from './plugin.js'
export { protect } from './protect.js'
export type { ProtectOptions } from './protect.js'
export { requirement, requireScope, requireAnyScope, requireClaim } from './requirements.js'
export { requireAuthentication, requireActor } from './requirements.js'
export { requireDelegation, refuseDelegation } from './requirements.js'
export type { RequirementHook } from './requirements.js'
export type { ScopeguardRouteConfig } from './route-config.js'
export type { ErrorMode, ScopeguardHook } from './guard.js'
export { resourceMetadata } from './metadata.js'
export { sendError } from './errors.js'
export { getAuth, hasAuth } from './auth.js'
export type { AuthenticatedRequest } from './auth.js'
