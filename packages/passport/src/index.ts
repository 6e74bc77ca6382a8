export { ScopeguardStrategy } from './strategy.js'
export type { ScopeguardStrategyOptions, StrategyOptions } from './options.js'
export type { VerifyDone, VerifyFunction, VerifyFunctionWithRequest } from './verify.js'
export {
  refuseDelegation,
  requireActor,
  requireAnyScope,
  requireAuthentication,
  requireClaim,
  requireDelegation,
  requireScope,
  requirement,
} from './requirements.js'
export { resourceMetadata } from './metadata.js'
export type { RequirementOptions } from './requirements.js'
export { errorHandler, sendError } from './errors.js'
export { getAuth, getAuthError, hasAuth } from './auth.js'
export type {
  ErrorMiddleware,
  JsonResponse,
  Middleware,
  NextFunction,
  PassportRequest,
} from './http.js'
export type {
  Actor,
  AuthenticationPolicy,
  AuthInfo,
  ResourceMetadata,
  ResourceServer,
  ResourceServerOptions,
} from '@scopeguard/core'
