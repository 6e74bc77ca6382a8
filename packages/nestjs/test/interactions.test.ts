import { describeNestInteractions } from './interaction-app.js'

describeNestInteractions('12')
