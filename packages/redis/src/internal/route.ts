import type { RedisClientLike, RedisNodeLike } from '../client.js'
import { keySlot } from './slot.js'

/**
 * Where a key's commands go: the node's id (`host:port` in a cluster) and its own client, which a
 * cluster client lacks for a node whose connection ended (ioredis drops it until the next slot
 * map names it again).
 */
export interface Route {
  readonly id: string
  readonly node: RedisClientLike | undefined
}

/** A {@link Route} to a node the client has a connection for. */
export interface NodeRoute {
  readonly id: string
  readonly node: RedisClientLike
}

/** The id of the only node behind a client that is not a cluster. */
export const SINGLE_NODE = 'node'

/** True for a Redis Cluster client (one with a slot map and node clients). */
export function isCluster(client: RedisClientLike): boolean {
  return typeof client.nodes === 'function' && client.slots !== undefined
}

function addressOf(node: RedisNodeLike): string | undefined {
  const { host, port } = node.options ?? {}
  return host === undefined || port === undefined ? undefined : `${host}:${port}`
}

/** The primary's node client for `address` (`host:port`), if the cluster client has one. */
export function nodeAt(client: RedisClientLike, address: string): RedisNodeLike | undefined {
  return client.nodes?.('master').find((node) => addressOf(node) === address)
}

/**
 * The node owning `key`: the client itself when it is not a cluster; in a cluster, the primary
 * the client's slot map names for the key's slot, or undefined when the map has none (yet).
 */
export function routeKey(client: RedisClientLike, key: string): Route | undefined {
  if (!isCluster(client)) return { id: SINGLE_NODE, node: client }
  const address = client.slots?.[keySlot(key)]?.[0]
  if (address === undefined) return undefined
  return { id: address, node: nodeAt(client, address) }
}

/** Whether the node with this id still owns a slot in the cluster client's slot map. */
export function ownsSlots(client: RedisClientLike, id: string): boolean {
  if (id === SINGLE_NODE) return true
  return (client.slots ?? []).some((owners) => owners?.[0] === id)
}

/** Reloads a cluster client's slot map; resolves either way (failures show in later commands). */
export function refreshSlots(client: RedisClientLike): Promise<void> {
  return new Promise((resolve) => {
    if (typeof client.refreshSlotsCache !== 'function') return resolve()
    try {
      client.refreshSlotsCache(() => resolve())
    } catch {
      resolve()
    }
  })
}
