import { BUNDLE_DIR, DENO_MAIN } from './bundle.js'
import { denoPath } from './binaries.js'
import { startProcess } from './process.js'
import { describeRuntimeCases } from './runtime-cases.js'

// Deno: the Worker bundle served with Deno.serve, allowed only loopback and its one variable.
describeRuntimeCases('Deno', (env) =>
  startProcess(
    denoPath(),
    ['run', '--no-prompt', '--allow-net=127.0.0.1', '--allow-env=WORKER_ENV', DENO_MAIN],
    {
      WORKER_ENV: JSON.stringify(env),
      DENO_DIR: `${BUNDLE_DIR}deno-dir`,
      DENO_NO_UPDATE_CHECK: '1',
    },
  ),
)
