import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('public API', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ANY_SCOPE_METADATA',
      'AnyScope',
      'Auth',
      'CLAIMS_METADATA',
      'ConfigurationError',
      'InsufficientScopeError',
      'InsufficientUserAuthenticationError',
      'InvalidDpopProofError',
      'InvalidRequestError',
      'InvalidTokenError',
      'MissingTokenError',
      'OAuthError',
      'OPTIONAL_AUTH_METADATA',
      'OptionalAuth',
      'PUBLIC_METADATA',
      'Public',
      'REQUIREMENTS_METADATA',
      'RefuseDelegation',
      'RequireActor',
      'RequireAuthentication',
      'RequireClaim',
      'RequireDelegation',
      'SCOPEGUARD_MODULE_OPTIONS',
      'SCOPEGUARD_RESOURCE_SERVER',
      'SCOPES_METADATA',
      'ScopeguardException',
      'ScopeguardExceptionFilter',
      'ScopeguardGuard',
      'ScopeguardModule',
      'Scopes',
      'StoreFullError',
      'TemporarilyUnavailableError',
      'UseDpopNonceError',
      'consoleLogger',
      'createMemoryStore',
      'createResourceServer',
      'isOAuthError',
      'refuseDelegation',
      'requireActor',
      'requireAnyScope',
      'requireAuthentication',
      'requireClaim',
      'requireDelegation',
      'requireScope',
      'resourceMetadataMiddleware',
      'silentLogger',
      'toScopeguardException',
    ])
  })

  it('uses fixed namespaced strings for metadata keys and DI tokens', () => {
    expect([
      api.SCOPES_METADATA,
      api.ANY_SCOPE_METADATA,
      api.CLAIMS_METADATA,
      api.PUBLIC_METADATA,
      api.OPTIONAL_AUTH_METADATA,
      api.REQUIREMENTS_METADATA,
      api.SCOPEGUARD_RESOURCE_SERVER,
      api.SCOPEGUARD_MODULE_OPTIONS,
    ]).toEqual([
      'scopeguard:scopes',
      'scopeguard:any-scope',
      'scopeguard:claims',
      'scopeguard:public',
      'scopeguard:optional-auth',
      'scopeguard:requirements',
      'scopeguard:resource-server',
      'scopeguard:module-options',
    ])
  })
})
