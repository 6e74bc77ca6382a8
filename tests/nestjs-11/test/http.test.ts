import { describe } from 'vitest'
import { describeHttpCases } from '../../../packages/nestjs/test/http-cases.js'

describe('@scopeguard/nestjs on NestJS 11', () => {
  describeHttpCases()
})
