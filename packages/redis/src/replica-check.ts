import type { RedisClientLike } from './client.js'
import { createPlainSender } from './internal/send.js'

/** Replicas a primary reports as online in `INFO replication` (`slaveN:…,state=online,…`). */
export function onlineReplicas(info: string): number {
  return (info.match(/^slave\d+:.*\bstate=online\b/gm) ?? []).length
}

/**
 * For `durability`: the primaries behind `client` (the node itself, or each master of a cluster)
 * with fewer online replicas than `replicas`, as warnings. Their state writes would all be refused
 * (`not_replicated`) until enough replicas are connected.
 */
export async function checkReplicas(
  client: RedisClientLike,
  replicas: number,
  timeoutMs: number,
): Promise<string[]> {
  const nodes = typeof client.nodes === 'function' ? client.nodes('master') : [client]
  const counts = await Promise.all(
    nodes.map(async (node) =>
      onlineReplicas(
        String(await createPlainSender(node, timeoutMs)('warmUp', ['info', 'replication'])),
      ),
    ),
  )
  return counts.flatMap((online, i) =>
    online >= replicas
      ? []
      : [
          `durability needs ${replicas} replica(s) per primary, but the Redis holding security ` +
            `state${nodes.length > 1 ? ` (primary ${i + 1} of ${nodes.length})` : ''} has ` +
            `${online} online: its state writes are refused (not_replicated) until enough ` +
            'replicas are connected',
        ],
  )
}
