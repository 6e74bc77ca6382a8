import { describe } from 'vitest'
import { describeRouteSemantics } from '../../../packages/nestjs/test/route-semantics.js'

describe('which guards check a route, on NestJS 11', () => {
  describeRouteSemantics()
})
