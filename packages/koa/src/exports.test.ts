import { expect, it } from 'vitest'
import * as api from './index.js'

it('exports exactly the documented runtime API', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "errorHandler",
      "getAuth",
      "hasAuth",
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
    ]
  `)
})
