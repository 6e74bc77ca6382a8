import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { globalGuardModule, startNest } from './nest-apps.js'

// ScopeguardModule.forRoot takes the core's options, so the core's onEvent hook needs no adapter
// code.
itFiresEvents('nestjs', (options) => startNest(globalGuardModule(options), 'express'))
