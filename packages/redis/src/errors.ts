/** Why a Redis store operation failed. */
export type RedisStoreErrorCode =
  /** Redis did not answer within `commandTimeoutMs`. */
  | 'timeout'
  /**
   * The client reports its connection as down (reconnecting, closed or ended), or, on a Redis
   * Cluster, the connection to the node owning the key's slot.
   */
  | 'unavailable'
  /**
   * The node owning the key (the single node, or a cluster primary) failed several commands in a
   * row (timeouts, lost connection), so the store fails at once without sending until a probe
   * (`PING`) shows the node answers again. See `circuitBreaker`.
   */
  | 'circuit_open'
  /**
   * With `durability`: fewer replicas than required confirmed a state write within the `WAIT`
   * timeout, or the connection changed between the write and `WAIT`. The write may exist on the
   * primary alone and be lost in a failover, so it is not acknowledged (`setIfAbsent` throws
   * instead of answering `true`).
   */
  | 'not_replicated'
  /** Too many commands are already waiting for Redis (`maxPendingCommands`). */
  | 'overloaded'
  /** Redis or the client answered the command with an error. */
  | 'command_failed'
  /**
   * Redis refused a write because it has reached `maxmemory` (`OOM`), with `noeviction`. For a
   * `state` entry the resource server then fails closed (503, or an error from `revoke()`).
   */
  | 'out_of_memory'
  /**
   * `warmUp()`: the Redis holding security state may evict it (`maxmemory` with an eviction
   * policy other than `noeviction`).
   */
  | 'unsafe_memory_policy'

/** The store operation that failed. */
export type RedisStoreOperation = 'get' | 'set' | 'setIfAbsent' | 'delete' | 'warmUp'

/**
 * Thrown by the store's methods when Redis cannot serve them. The message never contains keys or
 * values; the client's own error, if any, is the `cause`.
 */
export class RedisStoreError extends Error {
  /** Why it failed. */
  readonly code: RedisStoreErrorCode
  /** The store method that failed. */
  readonly operation: RedisStoreOperation

  constructor(
    code: RedisStoreErrorCode,
    operation: RedisStoreOperation,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`scopeguard redis store: ${operation} failed: ${message}`, options)
    this.name = 'RedisStoreError'
    this.code = code
    this.operation = operation
  }
}
