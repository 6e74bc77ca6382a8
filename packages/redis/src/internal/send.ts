import type { RedisClientLike } from '../client.js'
import { RedisStoreError, type RedisStoreErrorCode, type RedisStoreOperation } from '../errors.js'
import { NodeBreaker, type BreakerSettings } from './breaker.js'
import {
  nodeAt,
  ownsSlots,
  refreshSlots,
  routeKey,
  SINGLE_NODE,
  type NodeRoute,
  type Route,
} from './route.js'

/** Client states in which the connection is known to be down (ioredis `Redis` and `Cluster`). */
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting'])
/** ioredis messages that mean "not connected" rather than "the command failed". */
const NOT_CONNECTED =
  /enableOfflineQueue|Connection is closed|isn't ready|ECONNREFUSED|ECONNRESET|EPIPE|MaxRetriesPerRequest|None of startup nodes/i
/** Redis's answer to a write beyond `maxmemory` under `noeviction`. */
const OUT_OF_MEMORY = /^OOM\b/

/** Sends one command and resolves to its reply, or rejects with a {@link RedisStoreError}. */
export type Send = (
  operation: RedisStoreOperation,
  args: [string, ...(string | number)[]],
) => Promise<unknown>

export function storeError(
  operation: RedisStoreOperation,
  code: RedisStoreErrorCode,
  message: string,
  cause?: unknown,
): RedisStoreError {
  return new RedisStoreError(code, operation, message, cause === undefined ? undefined : { cause })
}

/** The {@link RedisStoreError} for an error a client or Redis answered with. */
export function classify(operation: RedisStoreOperation, cause: unknown): RedisStoreError {
  if (cause instanceof RedisStoreError) return cause
  const message = cause instanceof Error ? cause.message : String(cause)
  const code = NOT_CONNECTED.test(message)
    ? 'unavailable'
    : OUT_OF_MEMORY.test(message)
      ? 'out_of_memory'
      : 'command_failed'
  return storeError(operation, code, message, cause)
}

/** Limits every command of a {@link Sender} is held to. */
export interface SendLimits {
  readonly timeoutMs: number
  readonly maxPending: number
}

/** Runs commands against the node owning a key, within a {@link Sender}'s limits. */
export type NodeExec = (route: NodeRoute) => Promise<unknown>

/** Every command of the store for one client goes through its sender. */
export interface Sender {
  /** One command, routed by the client itself; `args[1]` is its key. */
  command(
    operation: RedisStoreOperation,
    args: [string, string, ...(string | number)[]],
  ): Promise<unknown>
  /** Runs `exec` on the connection of the node owning `key` (its primary, in a cluster). */
  onNode(operation: RedisStoreOperation, key: string, exec: NodeExec): Promise<unknown>
}

/** The circuit breakers of the nodes behind one client, shared by every sender on it. */
export interface NodeHealth {
  breakerFor(id: string): NodeBreaker | undefined
  /** Reloads a cluster client's slot map, at most once per `REFRESH_EVERY_MS`. */
  refresh(): void
}

/** Least time between two slot map reloads asked for by commands to a node without connection. */
const REFRESH_EVERY_MS = 100

/**
 * Per-node circuit breakers for `client`, created on first use. A probe that fails reloads a
 * cluster's slot map and forgets the breakers of nodes the client no longer has (after a failover).
 */
export function createNodeHealth(
  client: RedisClientLike,
  settings: BreakerSettings | false,
): NodeHealth {
  const breakers = new Map<string, NodeBreaker>()
  function prune(): void {
    for (const [id, breaker] of breakers) {
      if (!ownsSlots(client, id)) {
        breaker.dispose()
        breakers.delete(id)
      }
    }
  }
  let lastRefresh = Number.NEGATIVE_INFINITY
  return {
    refresh() {
      const now = Date.now()
      if (now - lastRefresh < REFRESH_EVERY_MS) return
      lastRefresh = now
      void refreshSlots(client).then(prune)
    },
    breakerFor(id) {
      if (settings === false) return undefined
      let breaker = breakers.get(id)
      if (breaker === undefined) {
        const probe = () => {
          const node = id === SINGLE_NODE ? client : nodeAt(client, id)
          if (node === undefined) return Promise.reject(new Error('the node left the cluster'))
          return node.call('ping')
        }
        const probeFailed = () => void refreshSlots(client).then(prune)
        breaker = new NodeBreaker(settings, probe, probeFailed)
        breakers.set(id, breaker)
      }
      return breaker
    },
  }
}

function settle<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(run())
  } catch (error) {
    return Promise.reject(error)
  }
}

/**
 * A sender on one client: every operation bounded by `timeoutMs`, at most `maxPending` waiting at
 * once (counting timed-out ones Redis has not answered yet), refused at once while the client (or,
 * in a cluster, the connection to the key's node) is down, and refused at once while the key's
 * node has an open circuit in `health`.
 */
export function createSender(
  client: RedisClientLike,
  limits: SendLimits,
  health: NodeHealth = createNodeHealth(client, false),
): Sender {
  const { timeoutMs, maxPending } = limits
  let pending = 0

  function run(
    operation: RedisStoreOperation,
    route: Route | undefined,
    exec: () => Promise<unknown>,
  ): Promise<unknown> {
    const status = client.status
    if (status !== undefined && DOWN.has(status)) {
      return Promise.reject(
        storeError(operation, 'unavailable', `Redis is not connected (${status})`),
      )
    }
    const breaker = route === undefined ? undefined : health.breakerFor(route.id)
    if (route !== undefined && route.node !== client) {
      // A cluster primary: its connection may be down while the cluster client is ready.
      const nodeStatus = route.node === undefined ? 'ended' : route.node.status
      if (nodeStatus !== undefined && (nodeStatus === 'ended' || DOWN.has(nodeStatus))) {
        breaker?.failed()
        health.refresh()
        return Promise.reject(
          storeError(
            operation,
            'unavailable',
            `the Redis node ${route.id} owning the key is not connected (${nodeStatus})`,
          ),
        )
      }
    }
    if (pending >= maxPending) {
      return Promise.reject(
        storeError(operation, 'overloaded', `${pending} commands are already waiting for Redis`),
      )
    }
    if (breaker?.open) {
      const node = route?.id === SINGLE_NODE ? 'Redis' : `the Redis node ${route?.id}`
      return Promise.reject(
        storeError(
          operation,
          'circuit_open',
          `${node} failed its last commands; not sending until it answers a probe`,
        ),
      )
    }
    const reply = settle(exec)
    pending++
    const settled = () => {
      pending--
    }
    reply.then(settled, settled)
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        breaker?.failed()
        reject(storeError(operation, 'timeout', `Redis did not answer within ${timeoutMs} ms`))
      }, timeoutMs)
      reply.then(
        (value) => {
          clearTimeout(timer)
          breaker?.succeeded()
          resolve(value)
        },
        (cause: unknown) => {
          clearTimeout(timer)
          const error = classify(operation, cause)
          if (error.code === 'unavailable') breaker?.failed()
          else breaker?.succeeded()
          reject(error)
        },
      )
    })
  }

  return {
    command(operation, args) {
      return run(operation, routeKey(client, args[1]), () => client.call(...args))
    },
    onNode(operation, key, exec) {
      const route = routeKey(client, key)
      if (route === undefined) {
        void refreshSlots(client)
        return Promise.reject(
          storeError(
            operation,
            'unavailable',
            "the cluster client knows no node for the key's slot yet",
          ),
        )
      }
      const node = route.node
      if (node === undefined)
        return run(operation, route, () => Promise.reject(new Error('no node')))
      return run(operation, route, () => exec({ id: route.id, node }))
    },
  }
}

/** One command on `client` within `timeoutMs`, without breaker or routing (for `warmUp()`). */
export function createPlainSender(client: RedisClientLike, timeoutMs: number): Send {
  const sender = createSender(client, { timeoutMs, maxPending: 1 })
  return (operation, args) => sender.onNode(operation, '', () => client.call(...args))
}
