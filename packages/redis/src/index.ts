export { createRedisStore } from './redis-store.js'
export type {
  RedisCircuitBreaker,
  RedisDurability,
  RedisFailurePolicy,
  RedisStore,
  RedisStoreOptions,
} from './redis-store.js'
export { RedisStoreError } from './errors.js'
export type { RedisStoreErrorCode, RedisStoreOperation } from './errors.js'
export type { RedisClientLike, RedisNodeLike } from './client.js'
