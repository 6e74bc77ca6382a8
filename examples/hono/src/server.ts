import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { keepRawRequest } from '@scopeguard/hono'
import { connectShared, readConfig } from '@scopeguard/example-config'
import { createApp, createExampleResourceServer } from './app.js'

let config
let rs
let shared
try {
  // With REDIS_URL, every instance shares replay markers, caches and revocations through Redis.
  shared = await connectShared(readConfig(), {
    log: (line) => console.error(`example-hono: ${line}`),
  })
  config = shared.config
  rs = createExampleResourceServer(config)
} catch (error) {
  console.error(`example-hono: ${(error as Error).message}`)
  process.exit(1)
}
const app = createApp(rs)
// keepRawRequest: requests @hono/node-server could not make a URL of reach the app too, and get
// the same answers as from every other example.
const server = createServer(keepRawRequest(getRequestListener(app.fetch)))
server.listen(config.port, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`example-hono listening on http://127.0.0.1:${port}`)
})
// Load the issuer's metadata and keys now so that a wrong OAUTH_ISSUER shows up at startup. The
// server still starts: requests get 503 until the keys can be loaded.
rs.warmUp().catch((error: Error) => console.error(`example-hono: ${error.message}`))

const stop = (): void => {
  server.close(() => {
    void shared.close().finally(() => process.exit(0))
  })
  server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
