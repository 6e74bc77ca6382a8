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
      'requireAnyScope',
      'requireClaim',
      'requireScope',
      'requirement',
      'sendError',
    ])
  })
})
