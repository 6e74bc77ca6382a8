import { describe } from 'vitest'
import { describeHttpCases } from './http-cases.js'

describe('@scopeguard/nestjs on NestJS 12', () => {
  describeHttpCases()
})
