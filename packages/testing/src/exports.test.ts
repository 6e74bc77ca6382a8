import { describe, expect, it } from 'vitest'
import * as api from './index.js'

describe('public API', () => {
  it('exports exactly the documented runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_CLIENT_ID',
      'DEFAULT_SUBJECT',
      'createTestCertificate',
      'createTestDpopKey',
      'createTestIssuer',
      'generateTestKey',
      'rawRequest',
      'tamper',
    ])
  })

  it('exports the default subject and client id used in tokens', () => {
    expect(api.DEFAULT_SUBJECT).toBe('user-123')
    expect(api.DEFAULT_CLIENT_ID).toBe('client-abc')
  })
})
