import { describeMetadataMiddlewareErrors, describeNestStandards } from './standards-app.js'

describeNestStandards('12')
describeMetadataMiddlewareErrors()
