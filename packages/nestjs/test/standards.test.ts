import {
  describeGlobalPrefix,
  describeMetadataMiddlewareErrors,
  describeNestStandards,
} from './standards-app.js'

describeNestStandards('12')
describeGlobalPrefix('12')
describeMetadataMiddlewareErrors()
