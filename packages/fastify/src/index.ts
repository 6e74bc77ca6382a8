export { scopeguard } from './plugin.js'
export type { ProtectHookName, ScopeguardOptions } from './plugin.js'
export { protect } from './protect.js'
export type { ProtectOptions } from './protect.js'
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
export type { RequirementHook } from './requirements.js'
export type { ScopeguardRouteConfig } from './route-config.js'
export type { ErrorMode, ScopeguardHook } from './guard.js'
export { resourceMetadata } from './metadata.js'
export { sendError } from './errors.js'
export { getAuth, hasAuth } from './auth.js'
export type { AuthenticatedRequest } from './auth.js'
// What users need from @scopeguard/core, so that the adapter is the one package an app imports;
// `declare module '@scopeguard/fastify' { interface Register { … } }` augments the core's Register.
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
