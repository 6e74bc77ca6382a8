import {
  describeGlobalPrefix,
  describeMetadataMiddlewareErrors,
  describeNestStandards,
} from '../../../packages/nestjs/test/standards-app.js'

// RFC 9728 / 9470 / 8693 / 8705 through HTTP and HTTPS, on NestJS 11 (Express and Fastify).
describeNestStandards('11')
describeGlobalPrefix('11')
describeMetadataMiddlewareErrors()
