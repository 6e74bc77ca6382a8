// A redis-server of a test's own, for the fault tests of @scopeguard/redis and tests/multi-instance:
// started on a free loopback port (no persistence), to kill like a crash, pause, and start again
// on the same port. The shared REDIS_URL server is for everything else.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

const HOW_TO =
  'redis-server must be installed: `eval "$(bash scripts/redis.sh start)"` from the repository ' +
  'root installs it (as root) and starts the shared test servers.'

/** A redis-server of the test's own, to stop, pause and restart on the same port. */
export interface DedicatedRedis {
  port: number
  url: string
  /** Starts it (again) and waits until it answers. */
  start(): Promise<void>
  /** Kills it (SIGKILL, like a crash) and waits until it has exited. */
  stop(): Promise<void>
  /** Makes it answer nobody for `ms` (CLIENT PAUSE): connected, but hanging. */
  pause(ms: number): Promise<void>
}

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function connectOnce(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    client.disconnect()
    throw error
  }
}

/** Starts a redis-server of its own and waits until it answers. */
export async function dedicatedRedis(): Promise<DedicatedRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const self: DedicatedRedis = {
    port,
    url,
    async start() {
      if (child !== undefined && child.exitCode === null) return
      const args = [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
      ]
      const started = spawn('redis-server', args, { stdio: 'ignore' })
      child = started
      await new Promise<void>((resolve, reject) => {
        started.once('error', (error) =>
          reject(new Error(`cannot start redis-server (${error.message}). ${HOW_TO}`)),
        )
        started.once('spawn', () => resolve())
      })
      const deadline = Date.now() + 5_000
      for (;;) {
        try {
          ;(await connectOnce(url)).disconnect()
          return
        } catch (error) {
          if (Date.now() > deadline || started.exitCode !== null) {
            throw new Error(
              `redis-server on port ${port} did not start: ${(error as Error).message}`,
            )
          }
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
    },
    async stop() {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null) return
      const exited = new Promise((resolve) => running.once('exit', resolve))
      running.kill('SIGKILL')
      await exited
    },
    async pause(ms) {
      const admin = await connectOnce(url)
      try {
        await admin.call('client', 'pause', ms, 'ALL')
      } finally {
        admin.disconnect()
      }
    },
  }
  await self.start()
  return self
}
