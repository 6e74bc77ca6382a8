import { bunPath } from './binaries.js'
import { BUN_MAIN } from './bundle.js'
import { startProcess } from './process.js'
import { describeRuntimeCases } from './runtime-cases.js'

// Bun: the Worker bundle served with Bun.serve.
describeRuntimeCases('Bun', (env) =>
  startProcess(bunPath(), ['run', BUN_MAIN], { WORKER_ENV: JSON.stringify(env) }),
)
