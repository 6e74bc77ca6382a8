import { expect, it } from 'vitest'
import * as api from './index.js'

it('exports exactly the documented runtime API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "ConfigurationError",
      "InsufficientScopeError",
      "InsufficientUserAuthenticationError",
      "InvalidDpopProofError",
      "InvalidRequestError",
      "InvalidTokenError",
      "MissingTokenError",
      "OAuthError",
      "StoreFullError",
      "TemporarilyUnavailableError",
      "UseDpopNonceError",
      "consoleLogger",
      "createMemoryStore",
      "createResourceServer",
      "errorHandler",
      "getAuth",
      "hasAuth",
      "isOAuthError",
      "protect",
      "refuseDelegation",
      "requireActor",
      "requireAnyScope",
      "requireAuthentication",
      "requireClaim",
      "requireDelegation",
      "requireScope",
      "requirement",
      "resourceMetadata",
      "sendError",
      "silentLogger",
    ]
  `)
})
