// What `durability` costs: state writes (DPoP replay markers, `setIfAbsent`) on a Redis primary
// with one replica, both on loopback, without and with `durability: { replicas: 1 }`.
//
//   cd packages/redis && npx tsc -p tsconfig.build.json && node scripts/measure-durability.mjs
//
// Starts its own redis-server primary and replica on free ports (persistence off) and stops them.
// Prints per-write latency (sequential writes: p50, p99) and throughput with 100 writes in flight.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import { createRedisStore } from '../dist/index.js'

const SEQUENTIAL = 2_000
const CONCURRENT = 20_000
const IN_FLIGHT = 100
const ROUNDS = 3

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function startRedis(extra = []) {
  const port = await freePort()
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no']
  const child = spawn('redis-server', [...args, ...extra], { stdio: 'ignore' })
  for (let i = 0; ; i++) {
    const client = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    })
    client.on('error', () => {})
    try {
      await client.connect()
      return { port, child, client }
    } catch (error) {
      client.disconnect()
      if (i > 100) throw error
      await sleep(50)
    }
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]

async function sequential(store, tag) {
  const times = []
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = performance.now()
    await store.setIfAbsent(`${tag}:${i}`, '1', 60_000, 'state')
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
}

async function concurrent(store, tag) {
  let next = 0
  let failed = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < CONCURRENT) {
        const i = next++
        await store.setIfAbsent(`${tag}:${i}`, '1', 60_000, 'state').catch(() => failed++)
      }
    }),
  )
  return { perSecond: CONCURRENT / ((performance.now() - start) / 1000), failed }
}

const primary = await startRedis()
const replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)])
try {
  for (;;) {
    const info = String(await replica.client.call('info', 'replication'))
    if (info.includes('master_link_status:up')) break
    await sleep(50)
  }
  const client = new Redis({
    port: primary.port,
    host: '127.0.0.1',
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  })
  await client.connect()
  const stores = {
    'without durability': createRedisStore({ client, prefix: 'off:', logger: false }),
    'durability { replicas: 1 }': createRedisStore({
      client,
      prefix: 'on:',
      durability: { replicas: 1, timeoutMs: 100 },
      logger: false,
    }),
  }
  // For comparison: SET NX then WAIT per write, without grouping (what each write would cost if
  // every one waited for its own replica round trip on the shared connection).
  const perWrite = {
    async setIfAbsent(name) {
      const [reply, confirmed] = await Promise.all([
        client.call('set', `raw:${name}`, '1', 'PX', 60_000, 'NX'),
        client.call('wait', 1, 100),
      ])
      if (reply === 'OK' && confirmed < 1) throw new Error('not replicated')
      return reply === 'OK'
    },
  }
  stores['SET + WAIT per write, no grouping'] = perWrite
  const results = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, store] of Object.entries(stores)) {
      const seq = await sequential(store, `seq:${round}`)
      const con = await concurrent(store, `con:${round}`)
      const previous = results[name] ?? []
      results[name] = [...previous, { ...seq, ...con }]
    }
  }
  // The replica stalls (SIGSTOP): every durable write fails after the WAIT timeout.
  replica.child.kill('SIGSTOP')
  const stalled = stores['durability { replicas: 1 }']
  const lagSeq = []
  for (let i = 0; i < 20; i++) {
    const start = performance.now()
    const code = await stalled.setIfAbsent(`lag:${i}`, '1', 60_000, 'state').then(
      () => 'ok',
      (error) => error.code,
    )
    if (code !== 'not_replicated') throw new Error(`expected not_replicated, got ${code}`)
    lagSeq.push(performance.now() - start)
  }
  const lagStart = performance.now()
  const lagCodes = await Promise.all(
    Array.from({ length: 1_000 }, (_, i) =>
      stalled.setIfAbsent(`lag-burst:${i}`, '1', 60_000, 'state').then(
        () => 'ok',
        (error) => error.code,
      ),
    ),
  )
  const lagBurstMs = performance.now() - lagStart
  replica.child.kill('SIGCONT')
  lagSeq.sort((a, b) => a - b)
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
  console.log(
    `redis-server ${String(await client.call('info', 'server')).match(/redis_version:(\S+)/)?.[1]}, ` +
      `one primary + one replica on loopback, medians of ${ROUNDS} rounds`,
  )
  console.log('| store | sequential p50 | sequential p99 | writes/s, 100 in flight | failed |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const [name, rounds] of Object.entries(results)) {
    const p50 = median(rounds.map((r) => r.p50)).toFixed(3)
    const p99 = median(rounds.map((r) => r.p99)).toFixed(3)
    const perSecond = Math.round(median(rounds.map((r) => r.perSecond)))
    const failed = rounds.reduce((sum, r) => sum + r.failed, 0)
    console.log(`| ${name} | ${p50} ms | ${p99} ms | ${perSecond} | ${failed} |`)
  }
  const counts = {}
  for (const code of lagCodes) counts[code] = (counts[code] ?? 0) + 1
  console.log(
    `replica stopped (SIGSTOP), durability { replicas: 1, timeoutMs: 100 }: sequential writes ` +
      `fail after p50 ${percentile(lagSeq, 0.5).toFixed(1)} ms; 1000 concurrent writes settled ` +
      `in ${Math.round(lagBurstMs)} ms: ${JSON.stringify(counts)}`,
  )
  client.disconnect()
} finally {
  for (const node of [primary, replica]) {
    node.client.disconnect()
    node.child.kill('SIGKILL')
  }
}
