// @scopeguard/core: the API of application authors. Adapter authors find their kit at
// '@scopeguard/core/adapter'; low-level building blocks are at '@scopeguard/core/primitives'.

// The resource server and its options
export { createResourceServer } from './resource-server.js'
export type { AuthenticateOptions, ResourceServer } from './resource-server.js'
export type {
  IssuerOptions,
  IssuerResolver,
  ResourceServerOptions,
  TokenFormat,
} from './options.js'
export type { IntrospectionCacheOptions, IntrospectionOptions } from './introspection.js'
export type { ClientAuthMethod } from './client-auth.js'
export type { AllowedClients } from './client-policy.js'
export type { RevocationTarget } from './revocation.js'
export type { BindingPolicy } from './binding.js'
export type { MetadataTiming } from './issuer-verifier.js'
export type { RemoteJwksTiming } from './remote-jwks.js'
export type { VerifiedTokenCacheOptions } from './verified-token-cache.js'
export type { ExtractionOptions, TokenSource } from './extract.js'
export type { ClaimValidator } from './jwt-verify.js'
export type { DpopOptions, DpopPolicy, DpopProofInfo } from './dpop-verifier.js'
export type { DpopNonceOptions } from './dpop-nonce.js'
export type { FetchLike } from './internal/fetch-json.js'
export type { HeadersLike, HeaderValue, RequestLike } from './request.js'

// Stores
export { createMemoryStore, StoreFullError } from './memory-store.js'
export type { MemoryStoreOptions } from './memory-store.js'
export type { Store, StoreKind } from './store.js'

// The verified token
export type { AccessTokenClaims, Actor, ActorClaim, AuthInfo } from './auth-info.js'

// Scopes and requirements
export type { Register, Scope, ScopeOptions } from './scopes.js'
export { requireAnyScope, requireClaim, requireScope } from './requirements.js'
export type { ClaimExpectation, RequireClaimOptions, Requirement } from './requirements.js'
export type { RouteScopeOptions } from './route-scopes.js'
export { requireAuthentication } from './step-up.js'
export type { AuthenticationPolicy } from './step-up.js'
export { refuseDelegation, requireActor, requireDelegation } from './delegation.js'

// Protected resource metadata (RFC 9728)
export type { ResourceMetadata, ResourceMetadataOptions } from './resource-metadata.js'

// Errors
export {
  ConfigurationError,
  InsufficientScopeError,
  InsufficientUserAuthenticationError,
  InvalidRequestError,
  InvalidDpopProofError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
  OAuthError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from './errors.js'
export type { OAuthErrorCode, OAuthErrorOptions, OAuthErrorReason } from './errors.js'

// Logging and events
export { consoleLogger, silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export type { EventHandler, ScopeguardEvent, ScopeguardEventType } from './events.js'
