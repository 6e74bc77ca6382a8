import { ConfigurationError } from '@scopeguard/core'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { dedicatedRedis, RECOMMENDED, useResource } from '../test/redis-env.js'
import type { RedisClientLike } from './client.js'
import { RedisStoreError } from './errors.js'
import { createRedisStore } from './redis-store.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Retries `check` until it passes; the bound only catches a hang. */
async function until(check: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 15_000
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

/** `'ok'` when `promise` resolved (to `expected`, if given), else the store error's code. */
async function outcome(promise: Promise<unknown>, expected?: unknown): Promise<string> {
  try {
    const value = await promise
    return expected === undefined || value === expected ? 'ok' : `answered ${String(value)}`
  } catch (error) {
    if (error instanceof RedisStoreError) return error.code
    throw error
  }
}

// A primary and a replica of this file's own (redis-server processes on loopback).
describe('createRedisStore with durability on a primary with a replica', () => {
  const primary = useResource(dedicatedRedis, (server) => server.stop())
  const replica = useResource(dedicatedRedis, (server) => server.stop())
  const clients: Redis[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect()
  })

  async function connect(url: string): Promise<Redis> {
    const client = new Redis(url, { ...RECOMMENDED, retryStrategy: () => 50 })
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }

  /** Makes the replica follow the primary again and waits until it is in sync. */
  async function attach(): Promise<Redis> {
    // Full sync at once, not after the default 5 s wait for more replicas.
    await (await connect(primary().url)).call('config', 'set', 'repl-diskless-sync-delay', '0')
    const admin = await connect(replica().url)
    // Load the primary's data in memory: never a dump.rdb in the working directory.
    await admin.call('config', 'set', 'repl-diskless-load', 'swapdb')
    await admin.call('replicaof', '127.0.0.1', primary().port)
    // In sync, and acknowledging writes (after a diskless sync, only from its first ACK on).
    const onPrimary = await connect(primary().url)
    await until(async () => {
      expect(String(await admin.call('info', 'replication'))).toContain('master_link_status:up')
      await onPrimary.call('set', 'attached', '1')
      expect(await onPrimary.call('wait', 1, 100)).toBe(1)
    })
    return admin
  }

  it('acknowledges a state write only once the replica has it', async () => {
    const onReplica = await attach()
    await onReplica.call('readonly').catch(() => {})
    const store = createRedisStore({
      client: await connect(primary().url),
      prefix: 'sync:',
      durability: { replicas: 1 },
    })
    // Read on the replica right after each acknowledgment: WAIT returned only once it had it.
    for (let i = 0; i < 30; i++) {
      await expect(store.setIfAbsent(`jti-${i}`, '1', 60_000, 'state')).resolves.toBe(true)
      await expect(onReplica.call('get', `sync:s:jti-${i}`)).resolves.toBe('1:1')
      await store.set(`revoked-${i}`, '1', 60_000, 'state')
      await expect(onReplica.call('get', `sync:s:revoked-${i}`)).resolves.toBe('1:1')
      await store.delete(`revoked-${i}`, 'state')
      await expect(onReplica.call('exists', `sync:s:revoked-${i}`)).resolves.toBe(0)
    }
    // Concurrent writes share WAITs and are all confirmed.
    const names = Array.from({ length: 200 }, (_, i) => `burst-${i}`)
    const stored = await Promise.all(
      names.map((name) => store.setIfAbsent(name, '1', 60_000, 'state')),
    )
    expect(stored.every(Boolean)).toBe(true)
    const onReplicaNow = (await onReplica.call(
      'mget',
      ...names.map((name) => `sync:s:${name}`),
    )) as unknown[]
    expect(onReplicaNow).toEqual(names.map(() => '1:1'))
    // A replay of an existing marker is false, as without durability.
    await expect(store.setIfAbsent('jti-0', '1', 60_000, 'state')).resolves.toBe(false)
  })

  it('refuses state writes no replica confirmed: setIfAbsent throws, never true; cache is not affected', async () => {
    const admin = await attach()
    await admin.call('replicaof', 'no', 'one') // the replica stops following
    const seen: string[] = []
    const store = createRedisStore({
      client: await connect(primary().url),
      prefix: 'alone:',
      durability: { replicas: 1, timeoutMs: 50 },
      failurePolicy: { onError: (error) => seen.push(`${error.operation}:${error.code}`) },
    })
    const refused = await Promise.all([
      outcome(store.setIfAbsent('jti', '1', 60_000, 'state'), true),
      outcome(store.set('revoked', '1', 60_000, 'state')),
      outcome(store.set('expired-at-once', '1', 0, 'state')),
      outcome(store.delete('client', 'state')),
    ])
    expect(refused).toEqual(Array(4).fill('not_replicated'))
    const error = await store.set('revoked', '1', 60_000, 'state').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedisStoreError)
    expect((error as Error).message).toMatch(/0 of 1 replica\(s\) confirmed the write within 50 ms/)
    // The marker may exist on the primary alone: a replay of it is refused, not accepted.
    await expect(store.setIfAbsent('jti', '1', 60_000, 'state')).resolves.toBe(false)
    // Reads and cache entries do not wait for replicas.
    await expect(store.get('revoked', 'state')).resolves.toBe('1')
    await store.set('introspection', 'v', 60_000, 'cache')
    await expect(store.get('introspection', 'cache')).resolves.toBe('v')
    expect(seen).toContain('setIfAbsent:not_replicated')
    // More replicas than there are: refused even with the replica back.
    await attach()
    const two = createRedisStore({
      client: await connect(primary().url),
      prefix: 'two:',
      durability: { replicas: 2, timeoutMs: 50 },
    })
    expect(await outcome(two.set('revoked', '1', 60_000, 'state'))).toBe('not_replicated')
    // warmUp() warns about it (and only then): the topology may change, so it does not refuse.
    const warnings: string[] = []
    const logger = { warn: (message: string) => warnings.push(message), error: () => {} }
    const client = await connect(primary().url)
    await createRedisStore({ client, durability: { replicas: 1 }, logger }).warmUp()
    expect(warnings.filter((w) => w.includes('durability'))).toEqual([])
    await createRedisStore({ client, durability: { replicas: 2 }, logger }).warmUp()
    expect(warnings.filter((w) => w.includes('durability'))).toEqual([
      'redis store: durability needs 2 replica(s) per primary, but the Redis holding security ' +
        'state has 1 online: its state writes are refused (not_replicated) until enough replicas ' +
        'are connected',
    ])
    expect(await outcome(store.set('revoked-again', '1', 60_000, 'state'))).toBe('ok')
  })

  it('does not count a WAIT answered on another connection than the write (a reconnect in between)', async () => {
    await attach()
    const first = await connect(primary().url)
    const second = await connect(primary().url)
    // Delegates to real connections; from WAIT on, commands go to the second one, as if the
    // client had reconnected and resent them (where WAIT would confirm at once: no writes there).
    let switched = false
    const client: RedisClientLike = {
      call(command, ...args) {
        if (command === 'wait') switched = true
        return (switched ? second : first).call(command, ...args)
      },
    }
    const store = createRedisStore({ client, prefix: 'moved:', durability: { replicas: 1 } })
    const error = await store.setIfAbsent('jti', '1', 60_000, 'state').catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'not_replicated', operation: 'setIfAbsent' })
    expect((error as Error).message).toMatch(/connection changed between the write and WAIT/)
  })
})

describe('the circuit breaker on a single Redis', () => {
  const server = useResource(dedicatedRedis, (s) => s.stop())
  const clients: Redis[] = []
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })
  async function connect(): Promise<Redis> {
    const client = new Redis(server().url, { ...RECOMMENDED, retryStrategy: () => 50 })
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }
  async function commandsExecuted(admin: Redis): Promise<number> {
    const info = String(await admin.call('info', 'commandstats'))
    return Number(/^cmdstat_get:calls=(\d+)/m.exec(info)?.[1] ?? 0)
  }

  it('opens after `failures` timeouts, sends nothing while open, and closes on the first answer to its probe', async () => {
    const admin = await connect()
    const store = createRedisStore({
      client: await connect(),
      commandTimeoutMs: 200,
      circuitBreaker: { failures: 2 },
    })
    await store.set('k', 'v', 60_000, 'cache')
    const before = await commandsExecuted(admin)
    await server().pause(1_500)
    expect(
      await Promise.all([outcome(store.get('k', 'cache')), outcome(store.get('k', 'cache'))]),
    ).toEqual(['timeout', 'timeout'])
    const refused = await Promise.all(
      Array.from({ length: 20 }, () => outcome(store.get('k', 'state'))),
    )
    expect(refused).toEqual(Array(20).fill('circuit_open'))
    let sent = 0
    await until(async () => {
      const code = await outcome(store.get('k', 'cache'), 'v')
      if (code !== 'circuit_open') sent++
      expect(code).toBe('ok')
    })
    expect((await commandsExecuted(admin)) - before).toBe(2 + sent)
  })

  it('waits out the command timeout every time with circuitBreaker: false', async () => {
    const store = createRedisStore({
      client: await connect(),
      commandTimeoutMs: 100,
      circuitBreaker: false,
    })
    await server().pause(1_000)
    const codes: string[] = []
    for (let i = 0; i < 5; i++) codes.push(await outcome(store.get('k', 'cache')))
    expect(codes).toEqual(Array(5).fill('timeout'))
    await until(() => store.get('k', 'cache'))
  })
})

describe('durability and circuitBreaker options', () => {
  const client = { call: async () => null }

  it('names the option that is wrong', () => {
    const cases: [unknown, RegExp][] = [
      [{ durability: {} }, /durability.replicas is required/],
      [{ durability: { replicas: 0 } }, /durability.replicas must be a positive integer/],
      [{ durability: { replicas: 1.5 } }, /durability.replicas/],
      [{ durability: { replicas: 1, timeoutMs: 0 } }, /durability.timeoutMs must be a positive/],
      [
        { durability: { replicas: 1, timeoutMs: 500 } },
        /durability.timeoutMs \(500\) must be below commandTimeoutMs \(500\)/,
      ],
      [{ durability: { replicas: 1 }, commandTimeoutMs: 1 }, /durability.timeoutMs/],
      [{ durability: 1 }, /durability must be an object/],
      [{ circuitBreaker: true }, /circuitBreaker must be an object or false/],
      [{ circuitBreaker: { failures: 0 } }, /circuitBreaker.failures/],
      [{ circuitBreaker: { probeIntervalMs: -1 } }, /circuitBreaker.probeIntervalMs/],
    ]
    for (const [options, message] of cases) {
      const create = () => createRedisStore({ client, ...(options as object) })
      expect(create).toThrow(ConfigurationError)
      expect(create).toThrow(message)
    }
    expect(() =>
      createRedisStore({
        client,
        durability: { replicas: 2, timeoutMs: 999 },
        commandTimeoutMs: 1000,
      }),
    ).not.toThrow()
  })
})
