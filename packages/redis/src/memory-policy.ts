import type { RedisClientLike } from './client.js'
import { createPlainSender, storeError } from './internal/send.js'

/** What one Redis primary reports in `INFO memory`. */
export interface NodeMemory {
  /** `maxmemory` in bytes; 0 means no limit. */
  readonly maxmemory: number
  /** `maxmemory_policy`, e.g. `noeviction` or `allkeys-lru`. */
  readonly policy: string
}

/** The `maxmemory` and `maxmemory_policy` fields of an `INFO memory` reply. */
export function parseMemoryInfo(info: string): NodeMemory {
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
  const maxmemory = Number(field('maxmemory'))
  const policy = field('maxmemory_policy')
  if (!Number.isSafeInteger(maxmemory) || maxmemory < 0 || policy === undefined) {
    throw new Error('INFO memory has no maxmemory or maxmemory_policy field')
  }
  return { maxmemory, policy }
}

/**
 * Reads `INFO memory` from every primary behind `client`: the node itself, or each master of a
 * cluster (`nodes('master')`). `INFO` works where `CONFIG` is disabled (managed Redis services).
 */
export async function readMemoryPolicies(
  client: RedisClientLike,
  timeoutMs: number,
): Promise<NodeMemory[]> {
  const nodes = typeof client.nodes === 'function' ? client.nodes('master') : [client]
  if (nodes.length === 0) {
    throw storeError('warmUp', 'unavailable', 'the Redis Cluster client knows no primaries yet')
  }
  return Promise.all(
    nodes.map(async (node) => {
      const reply = await createPlainSender(node, timeoutMs)('warmUp', ['info', 'memory'])
      try {
        return parseMemoryInfo(String(reply))
      } catch (cause) {
        throw storeError('warmUp', 'command_failed', (cause as Error).message)
      }
    }),
  )
}

/** What a client holds, for {@link assessMemory}. */
export type ClientRole = 'state' | 'cache'

/** The verdict on one client's primaries: a reason to refuse, and warnings. */
export interface MemoryAssessment {
  /** Set when security state could be evicted: what is wrong and what to set. */
  readonly unsafe?: string
  readonly warnings: readonly string[]
}

/**
 * Judges the memory policy of the primaries of one client. A client holding `state` must not
 * evict: `maxmemory` > 0 with any policy but `noeviction` (the `volatile-*` ones included: every
 * state entry has a TTL) is unsafe. Evicting is fine for a cache-only client; without
 * `maxmemory`, Redis grows until the machine runs out of memory.
 */
export function assessMemory(role: ClientRole, nodes: readonly NodeMemory[]): MemoryAssessment {
  const warnings: string[] = []
  const where = (i: number) => (nodes.length > 1 ? ` (primary ${i + 1} of ${nodes.length})` : '')
  let unsafe: string | undefined
  nodes.forEach(({ maxmemory, policy }, i) => {
    if (maxmemory === 0) {
      warnings.push(
        `the Redis holding ${role === 'state' ? 'security state' : 'cached introspection answers'}` +
          `${where(i)} has no maxmemory: it grows until the machine runs out of memory; set ` +
          'maxmemory with maxmemory-policy noeviction' +
          (role === 'cache' ? ' (or an eviction policy)' : ''),
      )
    } else if (policy !== 'noeviction') {
      if (role === 'state') {
        unsafe ??=
          `the Redis holding security state${where(i)} has maxmemory-policy ${policy} with ` +
          'maxmemory set, so it may evict DPoP replay markers and revocations (replays and revoked ' +
          'tokens would be accepted); set maxmemory-policy noeviction on it, or give the store a ' +
          'separate stateClient on a Redis with noeviction'
      } else {
        warnings.push(
          `the cache-only Redis${where(i)} evicts (maxmemory-policy ${policy}): cached ` +
            'introspection answers may be dropped under memory pressure, which only costs ' +
            'refetches; security state is on the stateClient',
        )
      }
    }
  })
  return unsafe === undefined ? { warnings } : { unsafe, warnings }
}
