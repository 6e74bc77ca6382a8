// @scopeguard/core/primitives: the building blocks under createResourceServer, for code that
// verifies tokens, proofs or challenges on its own. Most applications need none of them.

// Token extraction (RFC 6750 §2)
export { extractToken, resolveExtraction } from '../extract.js'
export type {
  ExtractedToken,
  ExtractionOptions,
  ResolvedExtraction,
  TokenSource,
} from '../extract.js'

// JWT verification and key sources
export { createJwtVerifier } from '../jwt-verify.js'
export type { ClaimValidator, JwtVerifierConfig, VerifiedJwt } from '../jwt-verify.js'
export {
  ASYMMETRIC_ALGORITHMS,
  SYMMETRIC_ALGORITHMS,
  secretSource,
  staticJwksSource,
} from '../key-source.js'
export type { KeySource, VerificationKey } from '../key-source.js'
export { publicKeySource } from '../public-key.js'
export { remoteJwksSource } from '../remote-jwks.js'
export type { RemoteJwksOptions, RemoteJwksTiming } from '../remote-jwks.js'

// Authorization server metadata (RFC 8414, OpenID discovery)
export { discoverMetadata, DiscoveryError, metadataUrls } from '../discovery.js'
export type { AuthorizationServerMetadata, DiscoveryOptions } from '../discovery.js'
export type { FetchLike } from '../internal/fetch-json.js'
export { isLoopback } from '../url-policy.js'

// DPoP proofs (RFC 9449)
export { DPOP_ALGORITHMS, verifyDpopProof } from '../dpop.js'
export type { DpopProofRules, ExpectedProof, VerifiedDpopProof } from '../dpop.js'
export { normalizeHtu } from '../htu.js'

// WWW-Authenticate challenges (RFC 6750 §3, RFC 9110 §11.6.1)
export { formatChallenge, parseChallenges, sanitizeChallengeValue } from '../challenge.js'
export type { ChallengeParams, ParsedChallenge } from '../challenge.js'
