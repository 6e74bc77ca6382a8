import type { RedisClientLike } from '../client.js'
import type { RedisStoreOperation } from '../errors.js'
import { nodeAt, refreshSlots, type NodeRoute } from './route.js'
import { classify, storeError } from './send.js'

/** How many replicas must confirm a state write, and how long `WAIT` may wait for them. */
export interface Durability {
  readonly replicas: number
  readonly timeoutMs: number
}

/** A write command: its name, then its key, then its arguments. */
export type Write = [string, string, ...(string | number)[]]

/** A write's reply and how many replicas confirmed it. */
export interface Confirmed {
  readonly reply: unknown
  readonly confirmed: number
}

/** A `MOVED` or `ASK` redirect a node answered instead of running the write. */
interface Redirect {
  readonly redirect: 'MOVED' | 'ASK'
  readonly address: string
}

const REDIRECT = /^(MOVED|ASK) \d+ (\S+)$/

interface Entry {
  readonly operation: RedisStoreOperation
  readonly write: Write
  readonly asking: boolean
  readonly resolve: (outcome: Confirmed | Redirect) => void
  readonly reject: (error: unknown) => void
}

/**
 * Group commit on one node connection. Writes submitted while a batch is in flight (or in the
 * same tick) are sent together as the next batch, followed by a single `WAIT`: WAIT confirms every
 * earlier write of its connection, so one replica round trip confirms the whole batch, and at most
 * one WAIT at a time blocks the connection (a blocked connection delays every other command on it).
 *
 * The batch is bracketed by `CLIENT ID`: if the client reconnected in between (and resent WAIT
 * alone on the new connection, where it would confirm at once), the ids differ and no write of the
 * batch counts as confirmed.
 */
class GroupCommit {
  readonly #node: RedisClientLike
  readonly #durability: Durability
  #queue: Entry[] = []
  #busy = false

  constructor(node: RedisClientLike, durability: Durability) {
    this.#node = node
    this.#durability = durability
  }

  submit(
    operation: RedisStoreOperation,
    write: Write,
    asking: boolean,
  ): Promise<Confirmed | Redirect> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ operation, write, asking, resolve, reject })
      if (!this.#busy) {
        this.#busy = true
        queueMicrotask(() => void this.#flush())
      }
    })
  }

  async #flush(): Promise<void> {
    const batch = this.#queue
    this.#queue = []
    const node = this.#node
    const call = (...args: [string, ...(string | number)[]]) => {
      try {
        return Promise.resolve(node.call(...args))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    // Sent in this order, in one go, on the node's connection.
    const before = call('client', 'id')
    const writes = batch.map((entry) => {
      const asked = entry.asking ? call('asking') : undefined
      asked?.catch(() => {})
      return call(...entry.write)
    })
    const waited = call('wait', this.#durability.replicas, this.#durability.timeoutMs)
    const after = call('client', 'id')
    const [ids, results, wait] = await Promise.all([
      Promise.allSettled([before, after]),
      Promise.allSettled(writes),
      Promise.allSettled([waited]).then(([result]) => result),
    ])
    const [first, last] = ids
    batch.forEach((entry, i) => {
      const written = results[i]
      if (written === undefined) return
      if (written.status === 'rejected') {
        const match = REDIRECT.exec(String((written.reason as Error | undefined)?.message))
        if (match !== null) {
          entry.resolve({ redirect: match[1] as Redirect['redirect'], address: match[2] ?? '' })
        } else entry.reject(classify(entry.operation, written.reason))
        return
      }
      for (const result of [first, wait, last]) {
        if (result?.status === 'rejected')
          return entry.reject(classify(entry.operation, result.reason))
      }
      if (
        first?.status !== 'fulfilled' ||
        last?.status !== 'fulfilled' ||
        first.value !== last.value
      ) {
        return entry.reject(
          storeError(
            entry.operation,
            'not_replicated',
            'the connection changed between the write and WAIT, so its replication is unknown',
          ),
        )
      }
      const confirmed = wait?.status === 'fulfilled' ? Number(wait.value) : Number.NaN
      entry.resolve({ reply: written.value, confirmed })
    })
    if (this.#queue.length > 0) void this.#flush()
    else this.#busy = false
  }
}

/**
 * Runs state writes with `WAIT`, per node connection (see {@link GroupCommit}). A cluster node
 * answers `MOVED`/`ASK` for a slot it no longer serves (a node client does not follow redirects):
 * after `MOVED` the slot map is reloaded and the write retried once on the new owner; after `ASK`
 * it is retried once on the target, preceded by `ASKING`.
 */
export function createReplicatedWriter(client: RedisClientLike, durability: Durability) {
  const committers = new WeakMap<RedisClientLike, GroupCommit>()
  const committer = (node: RedisClientLike) => {
    let found = committers.get(node)
    if (found === undefined) {
      found = new GroupCommit(node, durability)
      committers.set(node, found)
    }
    return found
  }

  /**
   * @returns the write's reply and how many replicas confirmed it (the caller decides whether a
   *   reply that wrote nothing, such as `SET NX` answering nil, needs confirming).
   */
  return async function replicatedWrite(
    operation: RedisStoreOperation,
    route: NodeRoute,
    write: Write,
  ): Promise<Confirmed> {
    const first = await committer(route.node).submit(operation, write, false)
    if (!('redirect' in first)) return first
    if (first.redirect === 'MOVED') await refreshSlots(client)
    const target = nodeAt(client, first.address)
    if (target === undefined) {
      throw storeError(operation, 'unavailable', `redirected to ${first.address}, an unknown node`)
    }
    const second = await committer(target).submit(operation, write, first.redirect === 'ASK')
    if ('redirect' in second) {
      throw storeError(operation, 'command_failed', `redirected twice (${second.redirect})`)
    }
    return second
  }
}
