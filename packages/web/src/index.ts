// Everything an application needs from @scopeguard/core, so that the adapter is the one package
// it imports; this package's own exports win over the core's of the same names.
// `declare module '@scopeguard/web' { interface Register { … } }` augments the core's Register.
export * from '@scopeguard/core'
export type { Register } from '@scopeguard/core'
export { authenticate } from './authenticate.js'
export type { WebAuthenticateOptions } from './authenticate.js'
export { authHeaders, errorResponse, withAuthHeaders } from './responses.js'
export { resourceMetadata } from './metadata.js'
export type { ResourceMetadataHandler } from './metadata.js'
export { withAuth } from './with-auth.js'
export type { FetchHandler, WithAuthOptions } from './with-auth.js'
export { MAX_FORM_BYTES, toRequestLike } from './request.js'
export type { RequestExtras } from './request.js'
