// Everything an application needs from @scopeguard/core, so that the adapter is the one package
// it imports. The requirement middleware below is this package's own and wins over the core's
// requirement builders of the same names. `declare module '@scopeguard/passport' { interface
// Register { … } }` augments the core's Register.
export * from '@scopeguard/core'
export type { Register } from '@scopeguard/core'
export type { ResourceMetadataSource } from '@scopeguard/core/adapter'
export { ScopeguardStrategy } from './strategy.js'
export type { ScopeguardStrategyOptions, StrategyOptions } from './options.js'
export type { VerifyDone, VerifyFunction, VerifyFunctionWithRequest } from './verify.js'
export { requirement, requireScope, requireAnyScope, requireClaim } from './requirements.js'
export { requireAuthentication, requireActor } from './requirements.js'
export { requireDelegation, refuseDelegation } from './requirements.js'
export type { RequirementOptions } from './requirements.js'
export { resourceMetadata } from './metadata.js'
export { errorHandler, sendError } from './errors.js'
export { getAuth, getAuthError, hasAuth } from './auth.js'
export type {
  ErrorMiddleware,
  JsonResponse,
  Middleware,
  NextFunction,
  PassportRequest,
} from './http.js'
