import { fileURLToPath } from 'node:url'
import { startProcess } from './process.js'
import { describeRuntimeCases } from './runtime-cases.js'

const SERVER = fileURLToPath(new URL('../../../examples/hono/dist/server.js', import.meta.url))

// Node.js: the example's own server (@hono/node-server), as `pnpm start` runs it.
describeRuntimeCases('Node.js (@hono/node-server)', (env) =>
  startProcess(process.execPath, [SERVER], { ...env, PORT: '0' }),
)
