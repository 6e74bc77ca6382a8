import { describe, expect, it } from 'vitest'
import * as adapter from './adapter/index.js'
import * as api from './index.js'
import * as primitives from './primitives/index.js'

// The public API of @scopeguard/core, one snapshot per entry point: every runtime export and its
// kind. A change here changes what users can import, so it must be deliberate (update with
// `vitest -u`, and add a changeset).
function runtimeExports(module: object): Record<string, string> {
  return Object.fromEntries(
    Object.keys(module)
      .sort()
      .map((name) => [name, typeof (module as Record<string, unknown>)[name]]),
  )
}

describe('public API', () => {
  it('@scopeguard/core exports exactly these runtime values (application authors)', () => {
    expect(runtimeExports(api)).toMatchInlineSnapshot(`
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

  it('@scopeguard/core/adapter exports exactly these runtime values (adapter authors)', () => {
    expect(runtimeExports(adapter)).toMatchInlineSnapshot(`
      {
        "anonymousRefusal": "function",
        "authOf": "function",
        "challengeParamsOf": "function",
        "createResourceMetadataRoute": "function",
        "errorResponse": "function",
        "errorsOption": "function",
        "fromNodeRequest": "function",
        "headerValue": "function",
        "headerValues": "function",
        "markAnonymous": "function",
        "nodeProtocol": "function",
        "peerCertificate": "function",
        "recordAuth": "function",
        "requireAuthOf": "function",
        "requirementError": "function",
        "requirementHandlers": "function",
        "resourceMetadataResponse": "function",
        "resourceMetadataUrl": "function",
        "resourceServerOf": "function",
        "setAuth": "function",
        "successHeaders": "function",
        "writeNodeResponse": "function",
      }
    `)
  })

  it('@scopeguard/core/primitives exports exactly these runtime values (building blocks)', () => {
    expect(runtimeExports(primitives)).toMatchInlineSnapshot(`
      {
        "ASYMMETRIC_ALGORITHMS": "object",
        "DPOP_ALGORITHMS": "object",
        "DiscoveryError": "function",
        "SYMMETRIC_ALGORITHMS": "object",
        "createJwtVerifier": "function",
        "discoverMetadata": "function",
        "extractToken": "function",
        "formatChallenge": "function",
        "isLoopback": "function",
        "metadataUrls": "function",
        "normalizeHtu": "function",
        "parseChallenges": "function",
        "publicKeySource": "function",
        "remoteJwksSource": "function",
        "resolveExtraction": "function",
        "sanitizeChallengeValue": "function",
        "secretSource": "function",
        "staticJwksSource": "function",
        "verifyDpopProof": "function",
      }
    `)
  })
})
