import { describe, expect, it } from 'vitest'
import * as api from './index.js'

// The public API of @scopeguard/web: every runtime export and its kind. A change here
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
        "ConfigurationError": "function",
        "InsufficientScopeError": "function",
        "InsufficientUserAuthenticationError": "function",
        "InvalidDpopProofError": "function",
        "InvalidRequestError": "function",
        "InvalidTokenError": "function",
        "MAX_FORM_BYTES": "number",
        "MissingTokenError": "function",
        "OAuthError": "function",
        "StoreFullError": "function",
        "TemporarilyUnavailableError": "function",
        "UseDpopNonceError": "function",
        "authHeaders": "function",
        "authenticate": "function",
        "consoleLogger": "object",
        "createMemoryStore": "function",
        "createResourceServer": "function",
        "errorResponse": "function",
        "isOAuthError": "function",
        "refuseDelegation": "function",
        "requireActor": "function",
        "requireAnyScope": "function",
        "requireAuthentication": "function",
        "requireClaim": "function",
        "requireDelegation": "function",
        "requireScope": "function",
        "resourceMetadata": "function",
        "silentLogger": "object",
        "toRequestLike": "function",
        "withAuth": "function",
        "withAuthHeaders": "function",
      }
    `)
  })
})
