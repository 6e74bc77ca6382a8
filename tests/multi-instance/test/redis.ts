// The Redis servers these tests use: the shared one from REDIS_URL (a missing one fails the tests
// loudly, never skips them) and, for the fault tests, a redis-server of their own.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

const HOW_TO =
  'Start one with `eval "$(bash scripts/redis.sh start)"` from the repository root, or run the ' +
  'tests through `bash scripts/redis.sh run npm test`.'

/** REDIS_URL, checked to answer PING. */
export async function sharedRedisUrl(): Promise<string> {
  const url = process.env['REDIS_URL']
  if (url === undefined || url === '') {
    throw new Error(`REDIS_URL is not set: the multi-instance tests need a real Redis. ${HOW_TO}`)
  }
  const probe = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    connectTimeout: 3_000,
  })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.ping()
  } catch (error) {
    throw new Error(
      `cannot reach Redis at REDIS_URL=${url}: ${(error as Error).message}. ${HOW_TO}`,
    )
  } finally {
    probe.disconnect()
  }
  return url
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** A redis-server of the test's own, to stop, pause and restart on the same port. */
export interface DedicatedRedis {
  url: string
  /** Starts it (again) and waits until it answers. */
  start(): Promise<void>
  /** Kills it (SIGKILL, like a crash) and waits until it has exited. */
  stop(): Promise<void>
  /** Makes it answer nobody for `ms` (CLIENT PAUSE): connected, but hanging. */
  pause(ms: number): Promise<void>
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

export async function dedicatedRedis(): Promise<DedicatedRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const self: DedicatedRedis = {
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
