import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('public API', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ConfigurationError',
      'InsufficientScopeError',
      'InsufficientUserAuthenticationError',
      'InvalidDpopProofError',
      'InvalidRequestError',
      'InvalidTokenError',
      'MissingTokenError',
      'OAuthError',
      'ScopeguardStrategy',
      'StoreFullError',
      'TemporarilyUnavailableError',
      'UseDpopNonceError',
      'consoleLogger',
      'createMemoryStore',
      'createResourceServer',
      'errorHandler',
      'getAuth',
      'getAuthError',
      'hasAuth',
      'isOAuthError',
      'refuseDelegation',
      'requireActor',
      'requireAnyScope',
      'requireAuthentication',
      'requireClaim',
      'requireDelegation',
      'requireScope',
      'requirement',
      'resourceMetadata',
      'sendError',
      'silentLogger',
    ])
  })
})
