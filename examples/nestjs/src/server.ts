import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import type { NestExpressApplication } from '@nestjs/platform-express'
import { SCOPEGUARD_RESOURCE_SERVER, type ResourceServer } from '@scopeguard/nestjs'
import type { AddressInfo } from 'node:net'
import { AppModule } from './app.module.js'
import { connectShared, readConfig, type SharedState } from '@scopeguard/example-config'

function fail(error: unknown): never {
  console.error(`example-nestjs: ${(error as Error).message}`)
  process.exit(1)
}

let app: NestExpressApplication
let shared: SharedState
try {
  // With REDIS_URL, every instance shares replay markers, caches and revocations through Redis.
  shared = await connectShared(readConfig(), {
    log: (line) => console.error(`example-nestjs: ${line}`),
  })
  const config = shared.config
  // The resource server options are validated here: a wrong configuration rejects (reported
  // below as one line, so Nest's own logger stays off until the app is built).
  // Nest's built-in body parser reads JSON and URL-encoded forms: a form access_token sent next
  // to the Authorization header is refused with 400 (RFC 6750 §2), as in every example.
  app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: false,
    abortOnError: false,
    forceCloseConnections: true,
  })
  app.useLogger(['error', 'warn'])
  app.disable('x-powered-by')
  await app.listen(config.port, '127.0.0.1')
} catch (error) {
  fail(error)
}
const { port } = app.getHttpServer().address() as AddressInfo
console.log(`example-nestjs listening on http://127.0.0.1:${port}`)
// Load the issuer's metadata and keys now so that a wrong OAUTH_ISSUER shows up at startup. The
// server still starts: requests get 503 until the keys can be loaded.
app
  .get<ResourceServer>(SCOPEGUARD_RESOURCE_SERVER)
  .warmUp()
  .catch((error: Error) => console.error(`example-nestjs: ${error.message}`))

const stop = (): void => {
  app
    .close()
    .then(() => shared.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
