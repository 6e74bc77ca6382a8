import type { RedisClientLike } from '../client.js'
import type { RedisStoreOperation } from '../errors.js'
import { nodeAt, refreshSlots, type Route } from './route.js'
import { classify, storeError } from './send.js'

/** How many replicas must confirm a state write, and how long `WAIT` may wait for them. */
export interface Durability {
  readonly replicas: number
  readonly timeoutMs: number
}

/** A `MOVED` or `ASK` redirect a node answered instead of running the write. */
const REDIRECT = /^(MOVED|ASK) \d+ (\S+)$/

type Write = [string, string, ...(string | number)[]]

interface Outcome {
  readonly reply: unknown
  readonly confirmed: number
}

/**
 * Sends `write` then `WAIT replicas timeout` on one node connection, bracketed by `CLIENT ID`:
 * WAIT only covers the writes of its own connection, so if the client reconnected between the
 * write and WAIT (and resent WAIT alone on the new connection, where it would confirm at once),
 * the two ids differ and the write counts as unconfirmed. All are sent at once, in order.
 */
async function writeAndWait(
  operation: RedisStoreOperation,
  node: RedisClientLike,
  write: Write,
  durability: Durability,
  asking: boolean,
): Promise<Outcome | { readonly redirect: 'MOVED' | 'ASK'; readonly address: string }> {
  const calls = [
    node.call('client', 'id'),
    ...(asking ? [node.call('asking')] : []),
    node.call(...write),
    node.call('wait', durability.replicas, durability.timeoutMs),
    node.call('client', 'id'),
  ]
  const results = await Promise.allSettled(calls)
  const [before, written, waited, after] = asking
    ? [results[0], results[2], results[3], results[4]]
    : [results[0], results[1], results[2], results[3]]
  if (written?.status === 'rejected') {
    const match = REDIRECT.exec(String((written.reason as Error | undefined)?.message))
    if (match !== null) return { redirect: match[1] as 'MOVED' | 'ASK', address: match[2] ?? '' }
    throw classify(operation, written.reason)
  }
  for (const result of [before, waited, after]) {
    if (result?.status === 'rejected') throw classify(operation, result.reason)
  }
  if (
    before?.status !== 'fulfilled' ||
    after?.status !== 'fulfilled' ||
    before.value !== after.value
  ) {
    throw storeError(
      operation,
      'not_replicated',
      'the connection changed between the write and WAIT, so its replication is unknown',
    )
  }
  const confirmed = waited?.status === 'fulfilled' ? Number(waited.value) : Number.NaN
  return { reply: written?.status === 'fulfilled' ? written.value : undefined, confirmed }
}

/**
 * Runs a state write on the node owning its key and waits for `durability.replicas` replicas to
 * confirm it. A cluster node answers `MOVED`/`ASK` for a slot it no longer serves (a node client
 * does not follow redirects): after `MOVED` the slot map is reloaded and the write retried once on
 * the new owner; after `ASK` it is retried once on the target, preceded by `ASKING`.
 *
 * @returns the write's reply and how many replicas confirmed it (the caller decides whether a
 *   reply that wrote nothing, such as `SET NX` answering nil, needs confirming).
 */
export async function replicatedWrite(
  operation: RedisStoreOperation,
  client: RedisClientLike,
  route: Route,
  write: Write,
  durability: Durability,
): Promise<Outcome> {
  const first = await writeAndWait(operation, route.node, write, durability, false)
  if (!('redirect' in first)) return first
  let target: RedisClientLike | undefined
  if (first.redirect === 'MOVED') {
    await refreshSlots(client)
    target = nodeAt(client, first.address)
  } else {
    target = nodeAt(client, first.address)
  }
  if (target === undefined) {
    throw storeError(operation, 'unavailable', `redirected to ${first.address}, an unknown node`)
  }
  const second = await writeAndWait(operation, target, write, durability, first.redirect === 'ASK')
  if ('redirect' in second) {
    throw storeError(operation, 'command_failed', `redirected twice (${second.redirect})`)
  }
  return second
}
