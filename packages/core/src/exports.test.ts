import { describe, expect, it } from 'vitest'
import * as api from './index.js'

// The public API of @scopeguard/core: every runtime export and its kind. A change here
// changes what users can import, so it must be deliberate (update with `vitest -u`, and add a
// changeset).
describe('public API', () => {
  it('exports exactly these runtime values', () => {
    const exports = Object.fromEntries(
      Object.keys(api)
        .sort()
        .map((name) => [name, typeof api[name as keyof typeof api]]),
    )
    expect(exports).toMatchInlineSnapshot(`
      {
        "ASYMMETRIC_ALGORITHMS": "object",
        "CHALLENGE_SCHEMES": "symbol",
        "ConfigurationError": "function",
        "DEFAULT_REALM": "string",
        "DPOP_ALGORITHMS": "object",
        "DiscoveryError": "function",
        "InsufficientScopeError": "function",
        "InsufficientUserAuthenticationError": "function",
        "InvalidDpopProofError": "function",
        "InvalidRequestError": "function",
        "InvalidTokenError": "function",
        "MissingTokenError": "function",
        "OAuthError": "function",
        "SYMMETRIC_ALGORITHMS": "object",
        "StoreFullError": "function",
        "TemporarilyUnavailableError": "function",
        "UseDpopNonceError": "function",
        "anonymousRefusal": "function",
        "basicAuthorization": "function",
        "challengeParamsOf": "function",
        "checkRequirements": "function",
        "consoleLogger": "object",
        "createJwtVerifier": "function",
        "createMemoryStore": "function",
        "createResourceMetadataRoute": "function",
        "createResourceServer": "function",
        "createScopeReader": "function",
        "discoverMetadata": "function",
        "errorResponse": "function",
        "extractToken": "function",
        "formEncodeCredential": "function",
        "formatChallenge": "function",
        "hashToken": "function",
        "headerValue": "function",
        "headerValues": "function",
        "isLoopback": "function",
        "isOAuthError": "function",
        "markAnonymous": "function",
        "metadataUrls": "function",
        "normalizeHtu": "function",
        "parseActors": "function",
        "parseChallenges": "function",
        "peerCertificate": "function",
        "publicKeySource": "function",
        "refuseDelegation": "function",
        "remoteJwksSource": "function",
        "requireActor": "function",
        "requireAnyScope": "function",
        "requireAuthentication": "function",
        "requireClaim": "function",
        "requireDelegation": "function",
        "requireScope": "function",
        "resolveExtraction": "function",
        "resourceMetadataResponse": "function",
        "resourceMetadataUrl": "function",
        "sanitizeChallengeValue": "function",
        "secretSource": "function",
        "silentLogger": "object",
        "staticJwksSource": "function",
        "usableVerificationKeys": "function",
        "validateRouteScopes": "function",
        "verifyDpopProof": "function",
      }
    `)
  })
})
