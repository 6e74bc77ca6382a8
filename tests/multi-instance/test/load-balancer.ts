import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A round-robin HTTP load balancer on loopback, in front of example instances. */
export interface LoadBalancer {
  /** `http://127.0.0.1:<port>`: the public origin clients use. */
  origin: string
  /** Which backend (by label) served each request so far, in order. */
  servedBy(): string[]
  /** Sets the backends (started after the balancer, since they need its origin). */
  route(backends: readonly { name: string; origin: string }[]): void
  close(): Promise<void>
}

/**
 * Starts a reverse proxy that sends each request to the next backend in turn, passing the method,
 * path, headers (the `Host` as the client sent it) and body through unchanged, and adds an
 * `X-Served-By` response header naming the backend.
 */
export async function startLoadBalancer(): Promise<LoadBalancer> {
  let backends: readonly { name: string; origin: string }[] = []
  let next = 0
  const served: string[] = []
  const server: Server = createServer((req, res) => {
    if (backends.length === 0) {
      res.writeHead(503).end()
      return
    }
    const backend = backends[next++ % backends.length]!
    served.push(backend.name)
    const target = new URL(backend.origin)
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, {
          ...answer.headers,
          'x-served-by': backend.name,
        })
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      res.writeHead(502).end()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    servedBy: () => [...served],
    route(list) {
      backends = list
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
