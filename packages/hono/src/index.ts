// Everything an application needs from @scopeguard/core, so that the adapter is the one package
// it imports; this package's own exports win over the core's of the same names.
// `declare module '@scopeguard/hono' { interface Register { … } }` augments the core's Register.
export * from '@scopeguard/core'
export type { Register } from '@scopeguard/core'
export { protect } from './protect.js'
export type { ErrorMode, ProtectOptions } from './protect.js'
export { requirement, requireScope, requireAnyScope, requireClaim } from './requirements.js'
export { requireAuthentication, requireActor } from './requirements.js'
export { requireDelegation, refuseDelegation } from './requirements.js'
export { resourceMetadata } from './metadata.js'
export { errorHandler } from './errors.js'
export { keepRawRequest } from './node-listener.js'
export { getAuth, hasAuth } from './auth.js'
export type { OptionalScopeguardEnv, ScopeguardEnv, ScopeguardVariables } from './auth.js'
export { errorResponse } from '@scopeguard/web'
