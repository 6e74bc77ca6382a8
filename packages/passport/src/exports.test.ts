import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('public API', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ScopeguardStrategy',
      'errorHandler',
      'getAuth',
      'getAuthError',
      'hasAuth',
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
    ])
  })
})
