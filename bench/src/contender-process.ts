// One contender as its own process: starts the server named in argv, tells the runner its port,
// and reports its CPU time and memory on request (IPC), so CPU per request is the server's own.
import type { AddressInfo } from 'node:net'
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8'
import { CONTENDERS, type ContenderConfig } from './contenders.js'
import { serve } from './ipc.js'

const name = process.argv[2] as string
const config = JSON.parse(process.argv[3] as string) as ContenderConfig
const contender = CONTENDERS[name]
if (contender === undefined) throw new Error(`unknown contender ${name}`)
const server = await contender.start(config)
server.keepAliveTimeout = 60_000

// Bytes allocated in the young generation, a figure the machine's load does not move: what is in
// it now, plus what every scavenge since took out of it (freed or promoted).
const YOUNG = new Set(['new_space', 'new_large_object_space'])
const youngUsed = (
  spaces: {
    spaceName?: string
    space_name?: string
    spaceUsedSize?: number
    space_used_size?: number
  }[],
): number =>
  spaces.reduce(
    (n, s) =>
      YOUNG.has(s.spaceName ?? s.space_name ?? '')
        ? n + (s.spaceUsedSize ?? s.space_used_size ?? 0)
        : n,
    0,
  )
let gcProfiler = new GCProfiler()
gcProfiler.start()
let youngAllocated = 0
let youngAtLast = youngUsed(getHeapSpaceStatistics())
let gcCount = 0
let gcUs = 0

serve({
  stats: () => {
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    const gcs = gcProfiler.stop()?.statistics ?? []
    gcProfiler = new GCProfiler()
    gcProfiler.start()
    const now = youngUsed(getHeapSpaceStatistics())
    youngAllocated += now - youngAtLast
    for (const gc of gcs) {
      youngAllocated +=
        youngUsed(gc.beforeGC.heapSpaceStatistics) - youngUsed(gc.afterGC.heapSpaceStatistics)
      gcUs += gc.cost
    }
    gcCount += gcs.length
    youngAtLast = now
    return {
      cpuUs: cpu.user + cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      youngAllocated,
      gcCount,
      gcUs,
    }
  },
  gc: () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    return true
  },
})
process.send?.({ ready: true, port: (server.address() as AddressInfo).port })
