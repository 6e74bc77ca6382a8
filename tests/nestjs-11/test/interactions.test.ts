import { describeNestInteractions } from '../../../packages/nestjs/test/interaction-app.js'

// The feature-interaction matrix (issue 12) through HTTPS, on NestJS 11 (Express and Fastify).
describeNestInteractions('11')
