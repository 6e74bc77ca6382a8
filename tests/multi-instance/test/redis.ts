// The Redis servers these tests use: the shared one from REDIS_URL (a missing one fails the tests
// loudly, never skips them) and, for the fault tests, a redis-server of their own
// (tests/shared/redis-server.ts).
import { Redis } from 'ioredis'

export { dedicatedRedis, type DedicatedRedis } from '../../shared/redis-server.js'

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
