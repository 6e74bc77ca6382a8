// One contender as its own process: starts the server named in argv, tells the runner its port,
// and reports its CPU time and memory on request (IPC), so CPU per request is the server's own.
import type { AddressInfo } from 'node:net'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'
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

// BENCH_HEAP_PROFILE=DIR: V8's sampling heap profiler over the whole run, objects that the
// scavenger and the full GC collected included (what a request allocates, by stack).
const heapProfileDir = process.env.BENCH_HEAP_PROFILE
const session = heapProfileDir === undefined ? undefined : new Session()
if (session !== undefined) {
  session.connect()
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
}

serve({
  heapProfile: () =>
    new Promise<string | undefined>((resolve, reject) => {
      if (session === undefined || heapProfileDir === undefined) return resolve(undefined)
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (error !== null) return reject(error)
        const file = join(heapProfileDir, `${name}-${Date.now()}.heapprofile`)
        writeFileSync(file, JSON.stringify(result.profile))
        resolve(file)
      })
    }),
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
