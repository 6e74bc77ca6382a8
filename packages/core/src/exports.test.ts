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
        "ConfigurationError": "function",
        "InsufficientScopeError": "function",
        "InsufficientUserAuthenticationError": "function",
        "InvalidDpopProofError": "function",
        "InvalidRequestError": "function",
        "InvalidTokenError": "function",
        "MissingTokenError": "function",
        "OAuthError": "function",
        "StoreFullError": "function",
        "TemporarilyUnavailableError": "function",
        "UseDpopNonceError": "function",
        "consoleLogger": "object",
        "createMemoryStore": "function",
        "createResourceServer": "function",
        "isOAuthError": "function",
        "refuseDelegation": "function",
        "requireActor": "function",
        "requireAnyScope": "function",
        "requireAuthentication": "function",
        "requireClaim": "function",
        "requireDelegation": "function",
        "requireScope": "function",
        "silentLogger": "object",
      }
    `)
  })

  it('@scopeguard/core/adapter exports exactly these runtime values (adapter authors)', () => {
    expect(runtimeExports(adapter)).toMatchInlineSnapshot(`
      {
        "AUTHENTICATE_OPTION_KEYS": "object",
        "anonymousRefusal": "function",
        "authAccessors": "function",
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
        "validateRouteScopes": "function",
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

  it('gives each name one home: no runtime export stands in two entry points', () => {
    const seen = new Map<string, string>()
    const twice: string[] = []
    for (const [entry, module] of Object.entries({ api, adapter, primitives })) {
      for (const name of Object.keys(module)) {
        const first = seen.get(name)
        if (first !== undefined) twice.push(`${name} (${first}, ${entry})`)
        seen.set(name, entry)
      }
    }
    expect(twice).toEqual([])
  })
})
