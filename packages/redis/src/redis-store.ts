import {
  ConfigurationError,
  consoleLogger,
  silentLogger,
  type Logger,
  type Store,
  type StoreKind,
} from '@scopeguard/core'
import type { RedisClientLike } from './client.js'
import { RedisStoreError } from './errors.js'
import { decodeValue, encodeValue, pxMilliseconds } from './internal/format.js'
import type { BreakerSettings } from './internal/breaker.js'
import { createReplicatedWriter, type Confirmed, type Durability } from './internal/replicated.js'
import { createNodeHealth, createSender, storeError, type Sender } from './internal/send.js'
import { checkReplicas } from './replica-check.js'
import { assessMemory, readMemoryPolicies, type ClientRole } from './memory-policy.js'

/**
 * What the store does when Redis fails with a `cache` entry (introspection answers). By default
 * every failure is thrown, and the core bypasses a failing cache (fail open). Security state
 * (`state` entries: replay markers, the denylist, nonces, registered clients) ignores this policy:
 * its failures are always thrown, so the resource server fails closed.
 */
export interface RedisFailurePolicy {
  /**
   * `get()` of a cache entry: `'throw'`, or `'absent'` to answer "not found".
   * @default 'throw'
   */
  read?: 'throw' | 'absent'
  /**
   * `set()` and `delete()` of a cache entry: `'throw'`, or `'ignore'` to resolve as if done.
   * @default 'throw'
   */
  write?: 'throw' | 'ignore'
  /** Called with every failure, thrown or not (for logs and metrics). Must not throw. */
  onError?: (error: RedisStoreError) => void
}

/**
 * Opt-in replication check for security state. After every `state` write (replay marker,
 * revocation, nonce, registration, and their deletion) the store sends `WAIT replicas timeoutMs`
 * on the same node connection, and the write only succeeds when at least `replicas` replicas
 * confirmed it. Otherwise it fails closed with a `not_replicated` error: `revoke()` throws and
 * a DPoP proof gets 503, so nothing the store acknowledged is lost when a primary fails over to a
 * replica that had fallen behind.
 */
export interface RedisDurability {
  /** Replicas that must confirm each state write (per primary). A positive integer. */
  replicas: number
  /**
   * How long `WAIT` waits for them, in milliseconds: a positive integer below `commandTimeoutMs`.
   * @default 100
   */
  timeoutMs?: number
}

/**
 * Per-node circuit breaker. After `failures` commands in a row to one node (the single node, or
 * the cluster primary owning the key's slot) timed out or lost their connection, commands for that
 * node fail at once with a `circuit_open` error, without being sent, while a `PING` probes the node;
 * the first answer closes the circuit. In a cluster, each failed probe also reloads the slot map,
 * so a promoted replica is used as soon as the cluster has failed over.
 */
export interface RedisCircuitBreaker {
  /** Consecutive failed commands that open a node's circuit. @default 3 */
  failures?: number
  /** Pause after a failed probe before the next. @default 100 */
  probeIntervalMs?: number
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * A connected (or connecting) ioredis `Redis` or `Cluster` that you create, configure and
   * close; the store never connects, quits or reconfigures it. Holds the cache, and the security
   * state too unless `stateClient` is given. Recommended client options:
   * `enableOfflineQueue: false` and `maxRetriesPerRequest: 1` (see the README).
   */
  client: RedisClientLike
  /**
   * A separate ioredis `Redis` or `Cluster` for security state (replay markers, the denylist,
   * nonces, registered clients), so that no flood of cache entries can evict or crowd it out. It
   * must not evict: `maxmemory-policy noeviction` (checked by `warmUp()`).
   * @default client
   */
  stateClient?: RedisClientLike
  /**
   * Put before every key; cache keys continue with `c:`, state keys with `s:`. Must not contain
   * `{` or `}`: a hash tag in the prefix would put every key in the same Redis Cluster slot.
   * @default 'scopeguard:'
   */
  prefix?: string
  /** A command not answered within this many milliseconds rejects with a `timeout` error. @default 500 */
  commandTimeoutMs?: number
  /**
   * Most commands waiting for Redis at once, for cache and for state entries each (including
   * timed-out ones Redis has not yet answered); beyond it, methods reject at once with an
   * `overloaded` error. Counted apart, so a burst of cache commands never blocks state ones.
   * @default 1000
   */
  maxPendingCommands?: number
  /** What to do when Redis fails with a cache entry. @default every failure throws a RedisStoreError */
  failurePolicy?: RedisFailurePolicy
  /**
   * What `warmUp()` does when the Redis holding security state may evict it (`maxmemory` set with
   * a `maxmemory-policy` other than `noeviction`): `'refuse'` throws, `'warn'` only logs (replays
   * and revoked tokens may then be accepted once Redis is full).
   * @default 'refuse'
   */
  stateEvictionCheck?: 'refuse' | 'warn'
  /**
   * Make every state write wait for replicas (`WAIT`), failing closed when they do not confirm it.
   * Off by default: Redis replicates asynchronously, so a failover can lose acknowledged state.
   * @default undefined (no WAIT)
   */
  durability?: RedisDurability
  /**
   * Fail at once for a node that keeps failing, instead of waiting `commandTimeoutMs` per command;
   * `false` turns it off.
   * @default { failures: 3, probeIntervalMs: 100 }
   */
  circuitBreaker?: RedisCircuitBreaker | false
  /** Where `warmUp()` reports warnings about the Redis memory configuration. @default consoleLogger */
  logger?: Logger | false
}

/** A {@link Store} on Redis, with a startup check of the Redis memory policy. */
export interface RedisStore extends Store {
  /**
   * Reads `INFO memory` from the Redis (every primary of a cluster) behind each client. Throws a
   * `RedisStoreError` (`unsafe_memory_policy`) when the one holding security state may evict it,
   * unless `stateEvictionCheck: 'warn'`; logs a warning when a Redis has no `maxmemory`, or when
   * a cache-only one evicts. With `durability`, also warns about primaries with fewer online
   * replicas than required (their state writes would be refused). Run by the resource server's
   * `warmUp()`.
   */
  warmUp(): Promise<void>
}

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigurationError(`${name} must be a positive integer`)
  }
  return value
}

function checkDurability(value: unknown, commandTimeoutMs: number): Durability | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError(
      'durability must be an object such as { replicas: 1, timeoutMs: 100 }',
    )
  }
  const { replicas, timeoutMs } = value as RedisDurability
  if (replicas === undefined) throw new ConfigurationError('durability.replicas is required')
  const durability = {
    replicas: positiveInteger('durability.replicas', replicas, 1),
    timeoutMs: positiveInteger(
      'durability.timeoutMs',
      timeoutMs,
      Math.max(1, Math.min(100, commandTimeoutMs - 1)),
    ),
  }
  if (durability.timeoutMs >= commandTimeoutMs) {
    throw new ConfigurationError(
      `durability.timeoutMs (${durability.timeoutMs}) must be below commandTimeoutMs (${commandTimeoutMs})`,
    )
  }
  return durability
}

function checkBreaker(value: unknown, commandTimeoutMs: number): BreakerSettings | false {
  if (value === false) return false
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new ConfigurationError('circuitBreaker must be an object or false')
  }
  const { failures, probeIntervalMs } = (value ?? {}) as RedisCircuitBreaker
  return {
    failures: positiveInteger('circuitBreaker.failures', failures, 3),
    probeIntervalMs: positiveInteger('circuitBreaker.probeIntervalMs', probeIntervalMs, 100),
    probeTimeoutMs: commandTimeoutMs,
  }
}

function checkClient(name: string, client: unknown): asserts client is RedisClientLike {
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof (client as RedisClientLike).call !== 'function'
  ) {
    throw new ConfigurationError(
      `${name} must be an ioredis Redis or Cluster instance (an object with call())`,
    )
  }
}

function checkTtl(ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) {
    throw new TypeError('scopeguard redis store: ttlMs must be a finite number of milliseconds')
  }
}

function checkKind(kind: StoreKind): void {
  if (kind !== 'cache' && kind !== 'state') {
    throw new TypeError("scopeguard redis store: kind must be 'cache' or 'state'")
  }
}

/**
 * A {@link Store} on Redis or Redis Cluster, shared by every resource server instance that uses
 * the same Redis and prefix.
 *
 * Cache entries live under `<prefix>c:`, security state under `<prefix>s:`, optionally on a
 * separate `stateClient`. Each entry is one Redis string holding a versioned value and always an
 * expiry (`PX`); `setIfAbsent` is a single `SET … PX … NX`. Every command is bounded by
 * `commandTimeoutMs`, and while the client reports its connection down the methods reject at
 * once; they work again as soon as the client has reconnected. Failures with security state are
 * always thrown (the resource server fails closed), and a state entry in a format this version
 * does not know reads as present.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const client = new Redis(process.env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 })
 * const rs = createResourceServer({ issuer, audience, revocation: true, store: createRedisStore({ client }) })
 * await rs.warmUp() // refuses a Redis that may evict security state
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('createRedisStore needs an options object with a client')
  }
  const { client } = options
  checkClient('client', client)
  const stateClient = options.stateClient ?? client
  checkClient('stateClient', stateClient)
  const prefix = options.prefix ?? 'scopeguard:'
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new ConfigurationError('prefix must be a string without { or } (no cluster hash tag)')
  }
  const timeoutMs = positiveInteger('commandTimeoutMs', options.commandTimeoutMs, 500)
  const maxPending = positiveInteger('maxPendingCommands', options.maxPendingCommands, 1000)
  const policy = options.failurePolicy ?? {}
  if (policy.read !== undefined && policy.read !== 'throw' && policy.read !== 'absent') {
    throw new ConfigurationError("failurePolicy.read must be 'throw' or 'absent'")
  }
  if (policy.write !== undefined && policy.write !== 'throw' && policy.write !== 'ignore') {
    throw new ConfigurationError("failurePolicy.write must be 'throw' or 'ignore'")
  }
  const evictionCheck = options.stateEvictionCheck ?? 'refuse'
  if (evictionCheck !== 'refuse' && evictionCheck !== 'warn') {
    throw new ConfigurationError("stateEvictionCheck must be 'refuse' or 'warn'")
  }
  const logger = options.logger === false ? silentLogger : (options.logger ?? consoleLogger)

  const durability = checkDurability(options.durability, timeoutMs)
  const breaker = checkBreaker(options.circuitBreaker, timeoutMs)

  // One set of node breakers per client, shared by its cache and state commands; pending
  // commands are counted per kind.
  const cacheHealth = createNodeHealth(client, breaker)
  const stateHealth = stateClient === client ? cacheHealth : createNodeHealth(stateClient, breaker)
  const limits = { timeoutMs, maxPending }
  const senders: Record<StoreKind, Sender> = {
    cache: createSender(client, limits, cacheHealth),
    state: createSender(stateClient, limits, stateHealth),
  }
  const replicated =
    durability === undefined ? undefined : createReplicatedWriter(stateClient, durability)
  const space: Record<StoreKind, string> = { cache: `${prefix}c:`, state: `${prefix}s:` }

  /**
   * Sends a write. A state write with `durability` waits for replicas: it resolves to the reply
   * only when enough replicas confirmed it, or when `wroteNothing(reply)` says there was no write
   * to confirm (`SET NX` answering nil); otherwise it throws `not_replicated`.
   */
  async function write(
    operation: 'set' | 'setIfAbsent' | 'delete',
    kind: StoreKind,
    args: [string, string, ...(string | number)[]],
    wroteNothing: (reply: unknown) => boolean = () => false,
  ): Promise<unknown> {
    if (kind === 'cache' || durability === undefined || replicated === undefined) {
      return senders[kind].command(operation, args)
    }
    const { reply, confirmed } = (await senders.state.onNode(operation, args[1], (route) =>
      replicated(operation, route, args),
    )) as Confirmed
    if (confirmed >= durability.replicas || wroteNothing(reply)) return reply
    throw storeError(
      operation,
      'not_replicated',
      `${Number.isFinite(confirmed) ? confirmed : 'no'} of ${durability.replicas} replica(s) ` +
        `confirmed the write within ${durability.timeoutMs} ms`,
    )
  }

  /** Reports a failure, then rethrows it, or resolves with the fallback when `swallow`. */
  function handle<T>(error: unknown, swallow: boolean, fallback: T): T {
    if (error instanceof RedisStoreError) {
      try {
        policy.onError?.(error)
      } catch {
        // a failing observer must not change the outcome
      }
      if (swallow) return fallback
    }
    throw error
  }

  async function checkMemory(role: ClientRole, target: RedisClientLike): Promise<void> {
    const nodes = await readMemoryPolicies(target, timeoutMs)
    const { unsafe, warnings } = assessMemory(role, nodes)
    for (const warning of warnings) logger.warn(`redis store: ${warning}`)
    if (unsafe === undefined) return
    if (evictionCheck === 'warn') {
      logger.warn(`redis store: ${unsafe} (allowed by stateEvictionCheck: 'warn')`)
      return
    }
    throw storeError(
      'warmUp',
      'unsafe_memory_policy',
      `${unsafe} (or pass stateEvictionCheck: 'warn' to accept the risk)`,
    )
  }

  return {
    async get(name, kind) {
      checkKind(kind)
      try {
        return decodeValue(await senders[kind].command('get', ['get', space[kind] + name]), kind)
      } catch (error) {
        return handle(error, kind === 'cache' && policy.read === 'absent', undefined)
      }
    },
    async set(name, value, ttlMs, kind) {
      checkKind(kind)
      checkTtl(ttlMs)
      const key = space[kind] + name
      try {
        // An entry that would expire at once replaces the old one with nothing (like the memory store).
        if (ttlMs <= 0) await write('set', kind, ['del', key])
        else await write('set', kind, ['set', key, encodeValue(value), 'PX', pxMilliseconds(ttlMs)])
      } catch (error) {
        handle(error, kind === 'cache' && policy.write === 'ignore', undefined)
      }
    },
    async setIfAbsent(name, value, ttlMs, kind) {
      checkKind(kind)
      checkTtl(ttlMs)
      const key = space[kind] + name
      // Never swallowed: a replay check that cannot run must not pass.
      try {
        if (ttlMs <= 0) return (await senders[kind].command('setIfAbsent', ['exists', key])) === 0
        // With durability, a marker that SET NX wrote but too few replicas confirmed is thrown
        // (the core answers 503), never reported as stored; nil wrote nothing and stays false.
        const reply = await write(
          'setIfAbsent',
          kind,
          ['set', key, encodeValue(value), 'PX', pxMilliseconds(ttlMs), 'NX'],
          (answer) => answer === null,
        )
        if (reply === 'OK') return true
        if (reply === null) return false
        throw storeError('setIfAbsent', 'command_failed', 'unexpected reply to SET NX')
      } catch (error) {
        return handle(error, false, false)
      }
    },
    async delete(name, kind) {
      checkKind(kind)
      try {
        await write('delete', kind, ['del', space[kind] + name])
      } catch (error) {
        handle(error, kind === 'cache' && policy.write === 'ignore', undefined)
      }
    },
    async warmUp() {
      if (stateClient === client) await checkMemory('state', client)
      else await Promise.all([checkMemory('state', stateClient), checkMemory('cache', client)])
      if (durability !== undefined) {
        for (const warning of await checkReplicas(stateClient, durability.replicas, timeoutMs)) {
          logger.warn(`redis store: ${warning}`)
        }
      }
    },
  }
}
