export { protect } from './protect.js'
export type { ProtectedState, ProtectOptions } from './protect.js'
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
export { errorHandler, sendError } from './errors.js'
export type { ErrorMode } from './errors.js'
export { getAuth, hasAuth } from './auth.js'
export type { OAuthState, StateContext } from './auth.js'
export type {
  Actor,
  AuthenticationPolicy,
  AuthInfo,
  ResourceMetadata,
  ResourceServer,
  ResourceServerOptions,
} from '@scopeguard/core'
