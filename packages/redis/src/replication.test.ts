import { performance } from 'node:perf_hooks'
import { Cluster } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { dedicatedCluster, useResource, type ClusterNodeInfo } from '../test/redis-env.js'
import { RedisStoreError } from './errors.js'
import { keySlot } from './internal/slot.js'
import { createRedisStore, type RedisStore } from './redis-store.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Retries `check` until it passes; the bound only catches a hang. */
async function until(check: () => Promise<unknown>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(50)
    }
  }
}

/** `'ok'` when `promise` resolved to `expected`, else the code of the store error it rejected with. */
async function outcome(promise: Promise<unknown>, expected?: unknown): Promise<string> {
  try {
    const value = await promise
    return expected === undefined || value === expected ? 'ok' : `answered ${String(value)}`
  } catch (error) {
    if (error instanceof RedisStoreError) return error.code
    throw error
  }
}

/** `count` names whose key (`space` + name) lies in the given slot ranges. */
function namesIn(space: string, ranges: [number, number][], count: number, tag: string): string[] {
  const names: string[] = []
  for (let i = 0; names.length < count; i++) {
    const name = `${tag}:${i}`
    const slot = keySlot(space + name)
    if (ranges.some(([from, to]) => slot >= from && slot <= to)) names.push(name)
  }
  return names
}

/** Calls of `commands` a node has executed, from `INFO commandstats`. */
function executed(info: string, commands: string[]): number {
  return commands.reduce((sum, command) => {
    const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)
    return sum + Number(match?.[1] ?? 0)
  }, 0)
}

// A Redis Cluster of this file's own: 3 primaries + 3 replicas, cluster-node-timeout 2000 ms,
// persistence off. The first test pauses a primary; the second fails one over.
describe('createRedisStore on a replicated Redis Cluster', () => {
  const cluster = useResource(
    () => dedicatedCluster({ primaries: 3, replicas: 1, nodeTimeoutMs: 2_000 }),
    (c) => c.close(),
  )
  const clients: { disconnect(): void }[] = []
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })

  async function connect(): Promise<Cluster> {
    const client = new Cluster(cluster().startupNodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      redisOptions: { maxRetriesPerRequest: 1 },
    })
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }

  async function primaries(): Promise<ClusterNodeInfo[]> {
    return (await cluster().topology()).filter((node) => node.role === 'master' && !node.failing)
  }

  it('fails at once for the keys of a hanging primary without sending to it; the others serve', async () => {
    const client = await connect()
    const prefix = 'pause:'
    const store = createRedisStore({ client, prefix, commandTimeoutMs: 300, logger: false })
    const [victim, ...others] = await primaries()
    const otherSlots = others.flatMap((node) => node.slots)
    const cached = namesIn(`${prefix}c:`, victim!.slots, 24, 'cached')
    const markers = namesIn(`${prefix}s:`, victim!.slots, 10, 'marker')
    const elsewhere = namesIn(`${prefix}c:`, otherSlots, 10, 'elsewhere')
    await Promise.all(
      [...cached, ...elsewhere].map((name) => store.set(name, 'v', 60_000, 'cache')),
    )

    const admin = await cluster().connect(victim!.port)
    clients.push(admin)
    const sentToVictim = async () =>
      executed(String(await admin.call('info', 'commandstats')), ['get', 'set'])
    const before = await sentToVictim()
    // The primary answers no client for 2 s (its cluster bus goes on: no failover).
    const pauser = await cluster().connect(victim!.port)
    clients.push(pauser)
    await pauser.call('client', 'pause', 2_000, 'ALL')

    // The first three commands wait out the command timeout: three failures open the circuit…
    const first = await Promise.all(
      cached.slice(0, 3).map((name) => outcome(store.get(name, 'cache'))),
    )
    expect(first).toEqual(['timeout', 'timeout', 'timeout'])
    // …so the next ones for that primary are refused at once, cache and state alike…
    const second = await Promise.all([
      ...cached.slice(3).map((name) => outcome(store.get(name, 'cache'))),
      ...markers.map((name) => outcome(store.setIfAbsent(name, '1', 60_000, 'state'))),
    ])
    expect(second).toEqual(Array(31).fill('circuit_open'))
    // …while the other primaries keep serving.
    await expect(Promise.all(elsewhere.map((name) => store.get(name, 'cache')))).resolves.toEqual(
      Array(10).fill('v'),
    )

    // Once the pause is over, its answer to the probe (PING) closes the circuit.
    let sentAfterwards = 0
    await until(async () => {
      const code = await outcome(store.get(cached[0]!, 'cache'), 'v')
      if (code !== 'circuit_open') sentAfterwards++
      expect(code).toBe('ok')
    })
    // The primary executed the three timed-out GETs (late) and the ones sent after it closed:
    // none of the 31 refused commands ever reached it.
    expect((await sentToVictim()) - before).toBe(3 + sentAfterwards)
  })

  it('keeps every state write it acknowledged through a failover to a lagging replica (durability on); measures the loss without', async () => {
    const client = await connect()
    const durable = createRedisStore({
      client,
      prefix: 'on:',
      durability: { replicas: 1, timeoutMs: 100 },
      logger: false,
    })
    const plain = createRedisStore({ client, prefix: 'off:', logger: false })
    const topology = await cluster().topology()
    const primary = topology.find(
      (node) => node.role === 'master' && topology.some((other) => other.primaryId === node.id),
    )!
    const replica = topology.find((node) => node.primaryId === primary.id)!
    const names = (prefix: string) => namesIn(`${prefix}s:`, primary.slots, 50, 'state')
    const acknowledged: { store: 'on' | 'off'; phase: 'before' | 'lag'; key: string }[] = []

    /** Writes replay markers (even) and revocations (odd); records what the store acknowledged. */
    function writeAll(
      store: RedisStore,
      which: 'on' | 'off',
      phase: 'before' | 'lag',
      batch: string[],
    ): Promise<string[]> {
      return Promise.all(
        batch.map(async (name, i) => {
          const code =
            i % 2 === 0
              ? await outcome(store.setIfAbsent(name, '1', 300_000, 'state'), true)
              : await outcome(store.set(name, '1', 300_000, 'state'))
          if (code === 'ok') acknowledged.push({ store: which, phase, key: `${which}:s:${name}` })
          return code
        }),
      )
    }

    const [on, off] = [names('on:'), names('off:')]
    // Replicated normally: every write is confirmed.
    expect(await writeAll(durable, 'on', 'before', on.slice(0, 20))).toEqual(Array(20).fill('ok'))
    expect(await writeAll(plain, 'off', 'before', off.slice(0, 20))).toEqual(Array(20).fill('ok'))

    // The replica falls behind: stopped, and its link cut, so no byte of what follows reaches it
    // (on loopback, bytes already sent would still be applied once it runs again).
    cluster().process(replica.port).pause()
    const admin = await cluster().connect(primary.port)
    clients.push(admin)
    expect(Number(await admin.call('client', 'kill', 'type', 'replica'))).toBeGreaterThan(0)
    const lagOn = await writeAll(durable, 'on', 'lag', on.slice(20))
    const lagOff = await writeAll(plain, 'off', 'lag', off.slice(20))
    // With durability no write is confirmed, so none is acknowledged; without, all are.
    expect(lagOn).toEqual(Array(30).fill('not_replicated'))
    expect(lagOff).toEqual(Array(30).fill('ok'))

    // The primary crashes; the replica runs again and is promoted without those writes.
    const killedAt = performance.now()
    await cluster().process(primary.port).kill()
    cluster().process(replica.port).resume()
    // When the store reads the shard again (polled every 50 ms, on the same client).
    const servedAgain = until(
      async () => expect(await durable.get(on[1]!, 'state')).toBe('1'),
      30_000,
    ).then(() => performance.now() - killedAt)
    servedAgain.catch(() => {}) // awaited below
    // Until then, the dead primary's keys fail at once (no command waits for the timeout).
    await until(async () => {
      expect(['unavailable', 'circuit_open']).toContain(await outcome(durable.get(on[0]!, 'state')))
    })
    const dead = await Promise.all(
      on.slice(0, 20).map((name) => outcome(durable.get(name, 'state'))),
    )
    for (const code of dead) expect(['unavailable', 'circuit_open']).toContain(code)
    await until(async () => {
      const promoted = (await cluster().topology()).find((node) => node.id === replica.id)
      expect(promoted).toMatchObject({ role: 'master' })
      expect(promoted!.slots).toEqual(primary.slots)
    }, 30_000)

    const promotedMs = performance.now() - killedAt

    // Read back through a new client, from the promoted replica.
    const reader = await connect()
    const present = async (key: string) => Number(await reader.call('exists', key)) === 1
    await until(async () => expect(await present(acknowledged[0]!.key)).toBe(true))
    const lost: typeof acknowledged = []
    for (const write of acknowledged) if (!(await present(write.key))) lost.push(write)
    const lostOn = lost.filter((write) => write.store === 'on')
    const lostOff = lost.filter((write) => write.store === 'off')
    const ackedOff = acknowledged.filter((write) => write.store === 'off').length
    console.info(
      `replication: failover to a lagging replica lost ${lostOn.length} of ` +
        `${acknowledged.length - ackedOff} acknowledged state writes with durability, ` +
        `${lostOff.length} of ${ackedOff} without ` +
        `(${lostOff.filter((write) => write.phase === 'lag').length} of the 30 made while it lagged)`,
    )
    // The guarantee: nothing the durable store acknowledged is lost.
    expect(lostOn).toEqual([])
    expect(acknowledged.filter((write) => write.store === 'on')).toHaveLength(20)
    // Without durability the loss is only measured (it depends on timing).
    expect(Number.isInteger(lostOff.length)).toBe(true)

    // The same stores serve again without a restart: reads, and writes on the other primaries.
    await until(async () => expect(await durable.get(on[1]!, 'state')).toBe('1'))
    console.info(
      `replication: promotion seen ${Math.round(promotedMs)} ms after the kill, the store ` +
        `read the shard again ${Math.round(await servedAgain)} ms after it ` +
        `(cluster-node-timeout 2000 ms)`,
    )
    const otherSlots = (await primaries())
      .filter((node) => node.id !== replica.id)
      .flatMap((node) => node.slots)
    const elsewhere = namesIn('on:s:', otherSlots, 5, 'after')
    for (const name of elsewhere) {
      await expect(durable.setIfAbsent(name, '1', 60_000, 'state')).resolves.toBe(true)
    }
    // The promoted primary has no replica yet: durable writes there are refused, not lost…
    expect(await outcome(durable.set(on[20]!, '1', 60_000, 'state'))).toBe('not_replicated')
    // …until the old primary comes back (as its replica).
    await cluster().process(primary.port).start()
    await until(async () => {
      expect(await outcome(durable.set(on[21]!, '1', 60_000, 'state'))).toBe('ok')
    }, 30_000)
  }, 60_000)
})
