import { describe } from 'vitest'
import { describeRouteSemantics } from './route-semantics.js'

describe('which guards check a route, on NestJS 12', () => {
  describeRouteSemantics()
})
