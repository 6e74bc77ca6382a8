// Identifiers of packages/redis/README.md's fragments.
import type { Redis } from 'ioredis'
import type * as core from '@scopeguard/core'
import type * as redisStore from '@scopeguard/redis'

declare global {
  const createResourceServer: typeof core.createResourceServer
  const createRedisStore: typeof redisStore.createRedisStore
  const redis: Redis
  const cacheRedis: Redis
  const stateRedis: Redis
}
