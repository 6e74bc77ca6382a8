// A test's own HTTP server on loopback, for the adapters' shared cases.
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A server of the test's own on loopback. */
export interface RunningApp {
  origin: string
  close(): Promise<void>
}

/** Serves a Node request listener (an Express app, Koa's `app.callback()`) on a free loopback port. */
export async function serve(listener: RequestListener): Promise<RunningApp> {
  const server = createServer(listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
