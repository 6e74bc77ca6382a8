export { createResourceServer } from './resource-server.js'
export type { AuthenticateOptions, ResourceServer } from './resource-server.js'
export type {
  IssuerOptions,
  IssuerResolver,
  ResourceServerOptions,
  TokenFormat,
} from './options.js'
export type { IntrospectionCacheOptions, IntrospectionOptions } from './introspection.js'
export { basicAuthorization, formEncodeCredential } from './client-auth.js'
export type { ClientAuthMethod } from './client-auth.js'
export { createMemoryStore, StoreFullError } from './memory-store.js'
export type { MemoryStoreOptions } from './memory-store.js'
export type { Store, StoreKind } from './store.js'
export type { AllowedClients } from './client-policy.js'
export type { RevocationTarget } from './revocation.js'
export { hashToken } from './token-hash.js'

export { extractToken, resolveExtraction } from './extract.js'
export type {
  ExtractedToken,
  ExtractionOptions,
  ResolvedExtraction,
  TokenSource,
} from './extract.js'
export { headerValue, headerValues } from './request.js'
export type { HeadersLike, HeaderValue, RequestLike } from './request.js'

export { createJwtVerifier } from './jwt-verify.js'
export type { ClaimValidator, JwtVerifierConfig, VerifiedJwt } from './jwt-verify.js'
export {
  ASYMMETRIC_ALGORITHMS,
  SYMMETRIC_ALGORITHMS,
  secretSource,
  staticJwksSource,
  usableVerificationKeys,
} from './key-source.js'
export type { KeySource, VerificationKey } from './key-source.js'
export { publicKeySource } from './public-key.js'
export { remoteJwksSource } from './remote-jwks.js'
export type { RemoteJwksOptions, RemoteJwksTiming } from './remote-jwks.js'
export type { MetadataTiming } from './issuer-verifier.js'
export type { BindingPolicy } from './binding.js'
export { discoverMetadata, DiscoveryError, metadataUrls } from './discovery.js'
export type { AuthorizationServerMetadata, DiscoveryOptions } from './discovery.js'
export type { FetchLike } from './internal/fetch-json.js'
export { isLoopback } from './url-policy.js'
export { peerCertificate } from './peer-certificate.js'

export { createScopeReader } from './scopes.js'
export type { Register, Scope, ScopeOptions, ScopeReader } from './scopes.js'
export { checkRequirements, requireAnyScope, requireClaim, requireScope } from './requirements.js'
export type { ClaimExpectation, RequireClaimOptions, Requirement } from './requirements.js'
export { requireAuthentication } from './step-up.js'
export type { AuthenticationPolicy } from './step-up.js'
export { refuseDelegation, requireActor, requireDelegation } from './delegation.js'
export {
  createResourceMetadataRoute,
  resourceMetadataResponse,
  resourceMetadataUrl,
} from './resource-metadata.js'
export type {
  ResourceMetadata,
  ResourceMetadataOptions,
  ResourceMetadataRoute,
  ResourceMetadataRouteOptions,
  ResourceMetadataRouteResponse,
  ResourceMetadataSource,
} from './resource-metadata.js'
export { challengeParamsOf, parseActors } from './auth-info.js'
export { anonymousRefusal, markAnonymous } from './anonymous.js'
export { DPOP_ALGORITHMS, verifyDpopProof } from './dpop.js'
export type { DpopProofRules, ExpectedProof, VerifiedDpopProof } from './dpop.js'
export type { DpopOptions, DpopPolicy, DpopProofInfo } from './dpop-verifier.js'
export type { DpopNonceOptions } from './dpop-nonce.js'
export { normalizeHtu } from './htu.js'
export type { AccessTokenClaims, Actor, ActorClaim, AuthInfo } from './auth-info.js'
export type { RefusalContext } from './auth-info.js'

export {
  ConfigurationError,
  DEFAULT_REALM,
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
export {
  CHALLENGE_SCHEMES,
  formatChallenge,
  parseChallenges,
  sanitizeChallengeValue,
} from './challenge.js'
export type { ChallengeParams, ChallengeSchemes, ParsedChallenge } from './challenge.js'
export { errorResponse } from './error-response.js'
export type { ErrorResponse } from './error-response.js'
export { consoleLogger, silentLogger } from './logger.js'
export type { Logger } from './logger.js'
export type { EventHandler, ScopeguardEvent, ScopeguardEventType } from './events.js'
