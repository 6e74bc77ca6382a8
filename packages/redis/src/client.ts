/**
 * The part of a Redis client the store uses: ioredis's `call(command, ...args)`, which both
 * `Redis` (a single node, or Sentinel) and `Cluster` have, in ioredis 5 and 6 and in forks with the
 * same API such as iovalkey. Typed structurally, so the client's own types are never imported and
 * a client from another copy of ioredis still fits.
 */
export interface RedisClientLike {
  /** Sends one command; resolves to its reply. In a cluster, routed by the command's key. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  /**
   * The connection state (`'ready'`, `'reconnecting'`, `'end'` …). While it names a connection
   * that is down, the store fails at once instead of sending.
   */
  readonly status?: string
  /**
   * A cluster's node clients (ioredis `Cluster.nodes('master')`): the store's `warmUp()` asks
   * every primary for its memory policy, and the store finds the node owning a key's slot among
   * them (to send `WAIT` on its connection, and to track its health). Absent on a single-node
   * client.
   */
  nodes?(role: 'master'): readonly RedisNodeLike[]
  /**
   * A cluster's slot map (ioredis `Cluster.slots`): for each of the 16384 slots, the
   * `host:port` of its primary first, then its replicas.
   */
  readonly slots?: readonly (readonly string[] | undefined)[]
  /** Asks a cluster client to reload its slot map (ioredis `Cluster.refreshSlotsCache`). */
  refreshSlotsCache?(callback?: (error?: Error | null) => void): void
}

/** One node client of a cluster: a {@link RedisClientLike} that knows its address. */
export interface RedisNodeLike extends RedisClientLike {
  /** The node's address, as in the cluster's slot map (`host:port`). */
  readonly options?: { readonly host?: string | undefined; readonly port?: number | undefined }
}
