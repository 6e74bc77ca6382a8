// @scopeguard/core/adapter: what an adapter author needs to put scopeguard into a framework.
// Application code imports from '@scopeguard/core' (or its framework's adapter) instead.

// Request translation
export { fromNodeRequest, nodeProtocol } from './node-request.js'
export type { NodeRequest, NodeRequestParts } from './node-request.js'
export { peerCertificate } from '../peer-certificate.js'
export { headerValue, headerValues } from '../request.js'
export type { HeadersLike, HeaderValue, RequestLike } from '../request.js'

// After authentication: the auth slot, the anonymous mark, the success headers
export { authAccessors, authOf, recordAuth, requireAuthOf, setAuth } from './auth-slot.js'
export type { AuthAccessors } from './auth-slot.js'
export { anonymousRefusal, markAnonymous } from '../anonymous.js'
export { successHeaders } from './success-headers.js'

// Requirements and options
export { requirementError, requirementHandlers } from './requirement-handlers.js'
export type { RequirementHandlers, RequirementOptions } from './requirement-handlers.js'
export { AUTHENTICATE_OPTION_KEYS, errorsOption, resourceServerOf } from './adapter-options.js'
export { validateRouteScopes } from '../route-scopes.js'

// Errors and challenges
export { errorResponse } from '../error-response.js'
export type { ErrorResponse } from '../error-response.js'
export { challengeParamsOf } from '../auth-info.js'
export type { RefusalContext } from '../auth-info.js'
export type { ChallengeParams } from '../challenge.js'

// The protected resource metadata route (RFC 9728)
export {
  createResourceMetadataRoute,
  resourceMetadataResponse,
  resourceMetadataUrl,
} from '../resource-metadata.js'
export type {
  ResourceMetadataRoute,
  ResourceMetadataRouteOptions,
  ResourceMetadataRouteResponse,
  ResourceMetadataSource,
} from '../resource-metadata.js'
export { writeNodeResponse } from './node-response.js'
export type { NodeAnswer, NodeResponse } from './node-response.js'
