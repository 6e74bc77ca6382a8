// A Redis Cluster of a test's own, with replicas, for the replication and failover tests of
// @scopeguard/redis: redis-server processes on free loopback ports (persistence off, its own
// temporary directory), to pause (SIGSTOP), kill like a crash (SIGKILL) and restart. `close()`
// stops every process it started and removes the directory.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const HOW_TO =
  'redis-server and redis-cli must be installed: `eval "$(bash scripts/redis.sh start)"` from the ' +
  'repository root installs them (as root).'

/** One node as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  id: string
  port: number
  role: 'master' | 'replica'
  /** For a replica, the id of its primary. */
  primaryId: string | undefined
  /** Failed, or suspected by the node asked. */
  failing: boolean
  /** Slot ranges served, inclusive. */
  slots: [number, number][]
}

/** One redis-server process of the cluster. */
export interface ClusterProcess {
  readonly port: number
  /** Running (not killed); a stopped (SIGSTOP) process is running. */
  readonly running: boolean
  /** SIGKILL, like a crash; waits until it has exited. */
  kill(): Promise<void>
  /** SIGSTOP: the process hangs, its connections stay open. */
  pause(): void
  /** SIGCONT after {@link pause}. */
  resume(): void
  /** Starts it again on the same port with the same cluster configuration file. */
  start(): Promise<void>
}

/** A Redis Cluster of the test's own. */
export interface DedicatedCluster {
  readonly processes: readonly ClusterProcess[]
  /** `host:port` of every node, for `new Cluster(...)`. */
  readonly startupNodes: { host: string; port: number }[]
  /** The process on `port`. */
  process(port: number): ClusterProcess
  /** The topology, as seen by the first running node that answers. */
  topology(): Promise<ClusterNodeInfo[]>
  /** A short-lived connection to one node (the caller disconnects it). */
  connect(port: number): Promise<Redis>
  /** Stops every process and removes the files. */
  close(): Promise<void>
}

/** `count` random loopback ports that are free, with their cluster bus port (+10000) free too. */
async function freePorts(count: number): Promise<number[]> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer().once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
  const found: number[] = []
  while (found.length < count) {
    const port = 20_000 + Math.floor(Math.random() * 10_000)
    if (!found.includes(port) && (await free(port)) && (await free(port + 10_000))) found.push(port)
  }
  return found
}

async function connectOnce(port: number): Promise<Redis> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return client
  } catch (error) {
    client.disconnect()
    throw error
  }
}

/** Retries `check` until it returns true; the bound only catches a hang. */
async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${ms} ms`)
    await sleep(50)
  }
}

/** Parses a `CLUSTER NODES` reply. */
export function parseClusterNodes(reply: string): ClusterNodeInfo[] {
  return reply
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', primary = '', , , , , ...slots] = line.split(' ')
      const flagList = flags.split(',')
      return {
        id,
        port: Number(address.split('@')[0]?.split(':')[1]),
        role: flagList.includes('master') ? 'master' : 'replica',
        primaryId: primary === '-' ? undefined : primary,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from = '', to = from] = range.split('-')
            return [Number(from), Number(to)] as [number, number]
          }),
      }
    })
}

/**
 * Starts `primaries` primaries with `replicas` replicas each (`cluster-node-timeout`
 * `nodeTimeoutMs`, persistence off) and waits until the cluster is ok on every node and every
 * replica is in sync with its primary.
 */
export async function dedicatedCluster(
  options: { primaries?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<DedicatedCluster> {
  const { primaries = 3, replicas = 1, nodeTimeoutMs = 2_000 } = options
  const dir = await mkdtemp(join(tmpdir(), 'scopeguard-cluster-'))
  const ports = await freePorts(primaries * (replicas + 1))
  const children = new Map<number, ChildProcess>()
  // Should the test process exit without close(), take the servers along.
  const killAll = () => {
    for (const child of children.values()) child.kill('SIGKILL')
  }
  process.once('exit', killAll)

  async function startNode(port: number): Promise<void> {
    const current = children.get(port)
    if (current !== undefined && current.exitCode === null && current.signalCode === null) return
    const child = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // a (re)joining replica syncs at once, not after waiting 5 s for others
        '--repl-diskless-sync-delay',
        '0',
      ],
      { stdio: 'ignore' },
    )
    children.set(port, child)
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`cannot start redis-server (${error.message}). ${HOW_TO}`)),
      )
      child.once('spawn', () => resolve())
    })
    await until(`redis-server on port ${port} did not answer`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited`)
      ;(await connectOnce(port)).disconnect()
      return true
    })
  }

  async function killNode(port: number): Promise<void> {
    const child = children.get(port)
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGCONT') // a stopped process must run to die promptly
    child.kill('SIGKILL')
    await exited
  }

  async function askNode<T>(port: number, ask: (client: Redis) => Promise<T>): Promise<T> {
    const client = await connectOnce(port)
    try {
      return await ask(client)
    } finally {
      client.disconnect()
    }
  }

  const self: DedicatedCluster = {
    processes: ports.map((port) => ({
      port,
      get running() {
        const child = children.get(port)
        return child !== undefined && child.exitCode === null && child.signalCode === null
      },
      kill: () => killNode(port),
      pause: () => void children.get(port)?.kill('SIGSTOP'),
      resume: () => void children.get(port)?.kill('SIGCONT'),
      start: () => startNode(port),
    })),
    startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    process(port) {
      const found = self.processes.find((node) => node.port === port)
      if (found === undefined) throw new Error(`no cluster node on port ${port}`)
      return found
    },
    async topology() {
      for (const node of self.processes) {
        if (!node.running) continue
        try {
          return parseClusterNodes(
            String(await askNode(node.port, (client) => client.call('cluster', 'nodes'))),
          )
        } catch {
          // a paused or starting node: ask the next
        }
      }
      throw new Error('redis cluster: no node answers')
    },
    connect: (port) => connectOnce(port),
    async close() {
      process.off('exit', killAll)
      await Promise.all(ports.map((port) => killNode(port)))
      await rm(dir, { recursive: true, force: true })
    },
  }

  try {
    await Promise.all(ports.map((port) => startNode(port)))
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    await until('the cluster did not become ok on every node', async () => {
      for (const port of ports) {
        const info = String(await askNode(port, (client) => client.call('cluster', 'info')))
        if (!info.includes('cluster_state:ok')) return false
      }
      const nodes = await self.topology()
      const replicaCount = nodes.filter((node) => node.role === 'replica').length
      if (replicaCount !== primaries * replicas) return false
      for (const node of nodes.filter((n) => n.role === 'replica')) {
        const info = String(
          await askNode(node.port, (client) => client.call('info', 'replication')),
        )
        if (!/master_link_status:up/.test(info)) return false
      }
      // Every replica acknowledges writes (after a diskless sync, only from its first ACK on):
      // a keyless write (FLUSHALL of the still empty node) must be confirmed by WAIT.
      for (const node of nodes.filter((n) => n.role === 'master')) {
        const confirmed = await askNode(node.port, async (client) => {
          await client.call('flushall')
          return Number(await client.call('wait', replicas, 100))
        })
        if (confirmed < replicas) return false
      }
      return true
    })
  } catch (error) {
    await self.close()
    throw error
  }
  return self
}
