import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { connectShared, readConfig } from '../src/index.js'

const base = { OAUTH_ISSUER: 'https://auth.example.com', OAUTH_AUDIENCE: 'https://api.example.com' }

/** The shared Redis of the test run; a missing one fails the test, it is never skipped. */
function redisUrl(): string {
  const url = process.env['REDIS_URL']
  if (!url) {
    throw new Error(
      'REDIS_URL is not set: start a Redis with `eval "$(bash scripts/redis.sh start)"` from the repository root',
    )
  }
  return url
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

describe('connectShared', () => {
  it('leaves a configuration without REDIS_URL as it is', async () => {
    const config = readConfig(base)
    const shared = await connectShared(config)
    expect(shared.config).toBe(config)
    await shared.close()
  })

  it('with REDIS_URL, uses a Redis store shared between connections and turns revocation on', async () => {
    const lines: string[] = []
    const config = readConfig({ ...base, REDIS_URL: redisUrl() })
    const [a, b] = await Promise.all([
      connectShared(config, { log: (line) => lines.push(line) }),
      connectShared(config, { log: (line) => lines.push(line) }),
    ])
    try {
      expect(a!.config.resourceServer).toMatchObject({ ...config.resourceServer, revocation: true })
      const key = `example-config-test:${Math.random()}`
      await a!.config.resourceServer.store!.set(key, 'v', 10_000, 'state')
      await expect(b!.config.resourceServer.store!.get(key, 'state')).resolves.toBe('v')
      await expect(
        b!.config.resourceServer.store!.setIfAbsent(key, 'w', 10_000, 'state'),
      ).resolves.toBe(false)
      expect(lines.filter((line) => line.startsWith('connected to Redis'))).toHaveLength(2)
    } finally {
      await a!.close()
      await b!.close()
    }
    // Closed: the store now refuses at once instead of waiting.
    await expect(a!.config.resourceServer.store!.get('k', 'state')).rejects.toMatchObject({
      code: 'unavailable',
    })
  })

  it('with REDIS_CLUSTER_NODES, uses a Redis store on the cluster, shared between connections', async () => {
    const nodes = process.env['REDIS_CLUSTER_NODES']
    if (!nodes) {
      throw new Error(
        'REDIS_CLUSTER_NODES is not set: start the test servers with `eval "$(bash scripts/redis.sh start)"` from the repository root',
      )
    }
    const lines: string[] = []
    const config = readConfig({ ...base, REDIS_CLUSTER_NODES: nodes })
    const [a, b] = await Promise.all([
      connectShared(config, { log: (line) => lines.push(line) }),
      connectShared(config, { log: (line) => lines.push(line) }),
    ])
    try {
      expect(a!.config.resourceServer).toMatchObject({ revocation: true })
      // Keys on every node of the cluster, read back through the other connection.
      const keys = Array.from({ length: 30 }, (_, i) => `example-config-test:${Math.random()}:${i}`)
      for (const key of keys) await a!.config.resourceServer.store!.set(key, 'v', 10_000, 'state')
      for (const key of keys) {
        await expect(b!.config.resourceServer.store!.get(key, 'state')).resolves.toBe('v')
      }
      expect(
        lines.filter((line) => line.startsWith('connected to the Redis Cluster at')),
      ).toHaveLength(2)
    } finally {
      await a!.close()
      await b!.close()
    }
    await expect(a!.config.resourceServer.store!.get('k', 'state')).rejects.toMatchObject({
      code: 'unavailable',
    })
  })

  it('starts without a reachable Redis, says so without the password, and fails fast', async () => {
    const lines: string[] = []
    const port = await closedPort()
    const config = readConfig({ ...base, REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` })
    // Startup gives up waiting after readyTimeoutMs (were it to wait for Redis, the test would
    // hang until its own timeout: a liveness bound, not a millisecond one).
    const shared = await connectShared(config, {
      log: (line) => lines.push(line),
      readyTimeoutMs: 1_000,
    })
    try {
      expect(lines.join('\n')).toMatch(
        /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ yet/,
      )
      expect(lines.join('\n')).not.toContain('hunter2')
      const store = shared.config.resourceServer.store!
      // No offline queue: a command while Redis is unreachable is refused, not kept waiting
      // for a connection that may never come.
      await expect(store.setIfAbsent('jti', 'v', 1_000, 'state')).rejects.toMatchObject({
        code: 'unavailable',
      })
    } finally {
      await shared.close()
    }
  })
})
