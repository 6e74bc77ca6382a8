import { describe, expect, it } from 'vitest'
import * as api from './index.js'

// The public API of @scopeguard/redis: every runtime export and its kind. A change here changes
// what users can import, so it must be deliberate (update with `vitest -u`, and add a changeset).
describe('public API', () => {
  it('exports exactly these runtime values', () => {
    const exports = Object.fromEntries(
      Object.keys(api)
        .sort()
        .map((name) => [name, typeof api[name as keyof typeof api]]),
    )
    expect(exports).toMatchInlineSnapshot(`
      {
        "RedisStoreError": "function",
        "createRedisStore": "function",
      }
    `)
  })
})
