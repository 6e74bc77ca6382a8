import { connectShared, readConfig } from '@scopeguard/example-config'
import { createApp, createExampleResourceServer } from './app.js'

let config
let rs
let shared
try {
  // With REDIS_URL, every instance shares replay markers, caches and revocations through Redis.
  shared = await connectShared(readConfig(), {
    log: (line) => console.error(`example-fastify: ${line}`),
  })
  config = shared.config
  rs = createExampleResourceServer(config)
} catch (error) {
  console.error(`example-fastify: ${(error as Error).message}`)
  process.exit(1)
}
const app = await createApp(rs)
// Before listening: a signal right after the listening line must find the handlers in place.
const stop = (): void => {
  void app.close().finally(() => {
    void shared.close().finally(() => process.exit(0))
  })
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)

const address = await app.listen({ port: config.port, host: '127.0.0.1' })
console.log(`example-fastify listening on ${address}`)
// Load the issuer's metadata and keys now so that a wrong OAUTH_ISSUER shows up at startup. The
// server still starts: requests get 503 until the keys can be loaded.
rs.warmUp().catch((error: Error) => console.error(`example-fastify: ${error.message}`))
