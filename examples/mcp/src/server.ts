import { connectShared } from '@scopeguard/example-config'
import { createApp, createExampleResourceServer } from './app.js'
import { readMcpConfig } from './config.js'

let config
let rs
let shared
try {
  // With REDIS_URL, every instance shares replay markers, caches and revocations through Redis.
  shared = await connectShared(readMcpConfig(), {
    log: (line) => console.error(`example-mcp: ${line}`),
  })
  config = shared.config
  rs = createExampleResourceServer(config)
} catch (error) {
  console.error(`example-mcp: ${(error as Error).message}`)
  process.exit(1)
}
const app = createApp(rs)
const server = app.listen(config.port, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  console.log(`example-mcp listening on http://127.0.0.1:${port}`)
})
// Load the issuer's metadata and keys now so that a wrong OAUTH_ISSUER shows up at startup. The
// server still starts: requests get 503 until the keys can be loaded.
rs.warmUp().catch((error: Error) => console.error(`example-mcp: ${error.message}`))

const stop = (): void => {
  server.close(() => {
    void shared.close().finally(() => process.exit(0))
  })
  server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
