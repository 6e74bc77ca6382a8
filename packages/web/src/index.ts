export { authenticate } from './authenticate.js'
export type { WebAuthenticateOptions } from './authenticate.js'
export { authHeaders, errorResponse, withAuthHeaders } from './responses.js'
export { resourceMetadata } from './metadata.js'
export type { ResourceMetadataHandler } from './metadata.js'
export { withAuth } from './with-auth.js'
export type { FetchHandler, WithAuthOptions } from './with-auth.js'
export { MAX_FORM_BYTES, toRequestLike } from './request.js'
export type { RequestExtras } from './request.js'
// What users need from @scopeguard/core, so that the adapter is the one package an app imports;
// `declare module '@scopeguard/web' { interface Register { … } }` augments the core's Register.
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
  refuseDelegation,
  requireActor,
  requireAnyScope,
  requireAuthentication,
  requireClaim,
  requireDelegation,
  requireScope,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from '@scopeguard/core'
export type {
  AccessTokenClaims,
  Actor,
  AuthenticateOptions,
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
