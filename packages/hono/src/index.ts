export { protect } from './protect.js'
export type { ErrorMode, ProtectOptions } from './protect.js'
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
export { errorHandler } from './errors.js'
export { keepRawRequest } from './node-listener.js'
export { getAuth, hasAuth } from './auth.js'
export type { OptionalScopeguardEnv, ScopeguardEnv, ScopeguardVariables } from './auth.js'
export { errorResponse } from '@scopeguard/web'
// What users need from @scopeguard/core, so that the adapter is the one package an app imports;
// `declare module '@scopeguard/hono' { interface Register { … } }` augments the core's Register.
export {
  ConfigurationError,
  createResourceServer,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
  OAuthError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from '@scopeguard/core'
export type {
  AccessTokenClaims,
  Actor,
  AuthenticationPolicy,
  AuthInfo,
  ClaimExpectation,
  IssuerOptions,
  IssuerResolver,
  Logger,
  OAuthErrorCode,
  Register,
  RequireClaimOptions,
  Requirement,
  ResourceMetadata,
  ResourceMetadataOptions,
  ResourceServer,
  ResourceServerOptions,
  Scope,
  ScopeguardEvent,
  Store,
} from '@scopeguard/core'
