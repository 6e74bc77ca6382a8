import { ConfigurationError } from '@scopeguard/core'
import { Redis, type RedisOptions } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { dedicatedRedis, RECOMMENDED, useResource } from '../test/redis-env.js'
import { RedisStoreError } from './errors.js'
import { createRedisStore } from './redis-store.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<{ error: unknown }> {
  try {
    await promise
  } catch (error) {
    return { error }
  }
  throw new Error('expected a rejection')
}

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

// Each test here stops, pauses or breaks a redis-server of its own (not the shared ones).
describe('createRedisStore when Redis fails', () => {
  const server = useResource(dedicatedRedis, (s) => s.stop())
  const clients: Redis[] = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect()
    await server()
      .start()
      .catch(() => {}) // a test that stopped it leaves it running again
  })
  async function connect(options: RedisOptions = RECOMMENDED): Promise<Redis> {
    const client = new Redis(server().url, {
      ...options,
      lazyConnect: true,
      retryStrategy: () => 50,
    })
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }
  /** Makes the server answer nobody (CLIENT PAUSE) for `ms`. */
  async function pause(ms: number): Promise<void> {
    const admin = await connect()
    await admin.call('client', 'pause', ms, 'ALL')
  }

  it('rejects with a timeout error within commandTimeoutMs (500 ms) when Redis does not answer', async () => {
    const store = createRedisStore({ client: await connect() })
    await pause(1_500)
    // The pause outlasts the timeout: a command that waited for Redis would resolve instead.
    const { error } = await rejection(store.get('k', 'cache'))
    expect(error).toBeInstanceOf(RedisStoreError)
    expect(error).toMatchObject({ code: 'timeout', operation: 'get' })
    expect((error as Error).message).toContain('Redis did not answer within 500 ms')
    const replay = await rejection(store.setIfAbsent('jti', 'v', 1_000, 'state'))
    expect(replay.error).toMatchObject({ code: 'timeout', operation: 'setIfAbsent' })
    // Answers again once the pause is over, on the same client.
    await until(() => store.set('k', 'v', 5_000, 'cache'))
    await expect(store.get('k', 'cache')).resolves.toBe('v')
  })

  it('honours a shorter commandTimeoutMs', async () => {
    const store = createRedisStore({ client: await connect(), commandTimeoutMs: 100 })
    await pause(800)
    const { error } = await rejection(store.set('k', 'v', 1_000, 'cache'))
    expect(error).toMatchObject({ code: 'timeout', operation: 'set' })
    expect((error as Error).message).toContain('Redis did not answer within 100 ms')
  })

  it('rejects at once beyond maxPendingCommands instead of queueing more', async () => {
    const store = createRedisStore({
      client: await connect(),
      maxPendingCommands: 5,
      commandTimeoutMs: 300,
    })
    await pause(1_500)
    const settled: string[] = []
    const waiting = Array.from({ length: 5 }, (_, i) =>
      rejection(store.get(`k${i}`, 'cache')).finally(() => settled.push('waiting')),
    )
    const refused = await rejection(store.get('one-too-many', 'cache'))
    settled.push('refused')
    expect(refused.error).toMatchObject({ code: 'overloaded' })
    // Refused at once: before any of the waiting commands has timed out.
    for (const { error } of await Promise.all(waiting))
      expect(error).toMatchObject({ code: 'timeout' })
    expect(settled).toEqual(['refused', ...Array(5).fill('waiting')])
    // Timed-out commands still count until Redis answers them, so the limit still holds…
    expect((await rejection(store.get('still-too-many', 'cache'))).error).toMatchObject({
      code: 'overloaded',
    })
    // …and lifts once it has.
    await until(() => store.get('k', 'cache'))
  })

  it.each([
    { clientOptions: 'the recommended client options', options: RECOMMENDED },
    { clientOptions: "ioredis's defaults (offline queue on)", options: {} },
  ])(
    'fails fast while Redis is down and recovers after a restart, with $clientOptions',
    async ({ options }) => {
      const client = await connect(options)
      const store = createRedisStore({ client })
      await store.set('before', 'v', 60_000, 'cache')
      await server().stop()
      // Nothing hangs: Redis stays down until all 80 calls have settled, so a call waiting for
      // it would show as this test's timeout.
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => [
          rejection(store.get(`k${i}`, 'cache')),
          rejection(store.set(`k${i}`, 'v', 1_000, 'cache')),
          rejection(store.setIfAbsent(`k${i}`, 'v', 1_000, 'state')),
          rejection(store.delete(`k${i}`, 'cache')),
        ]).flat(),
      )
      for (const { error } of outcomes) {
        expect(error).toBeInstanceOf(RedisStoreError)
        expect(['unavailable', 'timeout']).toContain((error as RedisStoreError).code)
      }
      await server().start()
      // The same client and store work again once ioredis has reconnected (retry every 50 ms).
      await until(() => store.set('after', 'v', 60_000, 'cache'))
      await expect(store.get('after', 'cache')).resolves.toBe('v')
      await expect(store.setIfAbsent('after', 'x', 1_000, 'cache')).resolves.toBe(false)
    },
  )

  it('rejects at once once the client has been closed', async () => {
    const client = await connect()
    const store = createRedisStore({ client })
    await client.quit()
    const { error } = await rejection(store.get('k', 'cache'))
    // Refused as unavailable, not left to run into the command timeout.
    expect(error).toMatchObject({ code: 'unavailable', operation: 'get' })
    expect((error as Error).message).toMatch(/not connected \((close|end)\)|Connection is closed/)
  })

  it('applies the failure policy to cache entries only: security state always throws', async () => {
    const seen: string[] = []
    const store = createRedisStore({
      client: await connect(),
      failurePolicy: {
        read: 'absent',
        write: 'ignore',
        onError: (error) => seen.push(`${error.operation}:${error.code}`),
      },
    })
    await server().stop()
    await expect(store.get('k', 'cache')).resolves.toBeUndefined()
    await expect(store.set('k', 'v', 1_000, 'cache')).resolves.toBeUndefined()
    await expect(store.delete('k', 'cache')).resolves.toBeUndefined()
    // A denylist read must not answer "not revoked", a revocation must not vanish, a client
    // withdrawal must not pretend to be done, and a replay check must not pass.
    await expect(store.get('k', 'state')).rejects.toBeInstanceOf(RedisStoreError)
    await expect(store.set('k', 'v', 1_000, 'state')).rejects.toBeInstanceOf(RedisStoreError)
    await expect(store.delete('k', 'state')).rejects.toBeInstanceOf(RedisStoreError)
    await expect(store.setIfAbsent('k', 'v', 1_000, 'state')).rejects.toBeInstanceOf(
      RedisStoreError,
    )
    await expect(store.setIfAbsent('k', 'v', 1_000, 'cache')).rejects.toBeInstanceOf(
      RedisStoreError,
    )
    expect(seen.map((entry) => entry.split(':')[0])).toEqual([
      'get',
      'set',
      'delete',
      'get',
      'set',
      'delete',
      'setIfAbsent',
      'setIfAbsent',
    ])
  })

  it('throws every failure by default, reporting it to onError too', async () => {
    const seen: RedisStoreError[] = []
    const store = createRedisStore({
      client: await connect(),
      failurePolicy: { onError: (error) => seen.push(error) },
    })
    await server().stop()
    await expect(store.get('k', 'cache')).rejects.toBeInstanceOf(RedisStoreError)
    await expect(store.set('k', 'v', 1_000, 'cache')).rejects.toBeInstanceOf(RedisStoreError)
    expect(seen).toHaveLength(2)
  })

  it('surfaces an error answered by Redis as command_failed, with the cause', async () => {
    const client = await connect()
    const store = createRedisStore({ client, prefix: 'p:' })
    await client.call('lpush', 'p:c:list', 'x')
    const { error } = await rejection(store.get('list', 'cache'))
    expect(error).toMatchObject({ code: 'command_failed', operation: 'get' })
    expect(String((error as Error).cause)).toMatch(/WRONGTYPE/)
  })
})

describe('createRedisStore options', () => {
  const client = { call: async () => null }

  it('needs a client with call()', () => {
    // @ts-expect-error no client
    expect(() => createRedisStore({})).toThrow(ConfigurationError)
    // @ts-expect-error a node-redis style client has no call()
    expect(() => createRedisStore({ client: { sendCommand: async () => null } })).toThrow(
      /ioredis Redis or Cluster/,
    )
  })

  it('names the option that is wrong: stateClient, stateEvictionCheck, failurePolicy', () => {
    // @ts-expect-error a node-redis style client has no call()
    expect(() => createRedisStore({ client, stateClient: { sendCommand: 1 } })).toThrow(
      /stateClient must be an ioredis Redis or Cluster/,
    )
    // @ts-expect-error not a mode
    expect(() => createRedisStore({ client, stateEvictionCheck: 'off' })).toThrow(
      /stateEvictionCheck/,
    )
    // @ts-expect-error not a policy
    expect(() => createRedisStore({ client, failurePolicy: { read: 'open' } })).toThrow(
      /failurePolicy.read/,
    )
    // @ts-expect-error not a policy
    expect(() => createRedisStore({ client, failurePolicy: { write: 'drop' } })).toThrow(
      ConfigurationError,
    )
  })

  it('sends state to the stateClient and cache to the client, each with its own pending limit', async () => {
    const sent: string[] = []
    const hanging = (name: string) => ({
      call: (command: string, key: string | number) => {
        sent.push(`${name}:${command}:${key}`)
        return new Promise<unknown>(() => {}) // never answers
      },
    })
    const store = createRedisStore({
      client: hanging('cache'),
      stateClient: hanging('state'),
      prefix: 'p:',
      maxPendingCommands: 2,
      commandTimeoutMs: 50,
    })
    const waiting: Promise<unknown>[] = [store.get('a', 'cache'), store.get('b', 'cache')]
    await expect(store.get('c', 'cache')).rejects.toMatchObject({ code: 'overloaded' })
    // Waiting cache commands do not hold up security state.
    waiting.push(store.setIfAbsent('d', '1', 1_000, 'state'))
    for (const outcome of await Promise.allSettled(waiting)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'timeout' } })
    }
    expect(sent).toEqual(['cache:get:p:c:a', 'cache:get:p:c:b', 'state:set:p:s:d'])
  })

  it('refuses a timeout or pending limit that is not a positive integer', () => {
    for (const commandTimeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRedisStore({ client, commandTimeoutMs })).toThrow(/commandTimeoutMs/)
    }
    expect(() => createRedisStore({ client, maxPendingCommands: 0 })).toThrow(/maxPendingCommands/)
  })

  it('turns a client that throws synchronously into a rejected command_failed', async () => {
    const store = createRedisStore({
      client: {
        call: () => {
          throw new Error('boom')
        },
      },
    })
    await expect(store.get('k', 'cache')).rejects.toMatchObject({ code: 'command_failed' })
  })

  it('refuses an unexpected reply to SET NX instead of guessing', async () => {
    const store = createRedisStore({ client: { call: async () => 'QUEUED' } })
    await expect(store.setIfAbsent('k', 'v', 1_000, 'state')).rejects.toMatchObject({
      code: 'command_failed',
    })
  })
})
