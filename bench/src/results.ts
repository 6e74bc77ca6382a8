import type { LoadResult } from './loadgen.js'

export interface RunOptions {
  quick: boolean
  rounds: number
  durationSec: number
  warmupSec: number
  connections: number
  distinctTokens: number
  memoryTokens: number
  microOps: number
  scenarios: string[] | undefined
  contenders: string[] | undefined
  out: string
  docs: boolean
  /** Directory for --cpu-prof profiles of the contender processes. */
  profile: string | undefined
}

export interface Machine {
  cpus: number
  cpuModel: string
  lscpu: string
  node: string
  os: string
  memoryGb: number
  loadAverage: number[]
  loadAverageAfter?: number[]
}

/** One timed round of one contender. */
export interface Sample extends LoadResult {
  cpuUsPerRequest: number
  /** Bytes allocated in the young generation per request (not moved by the machine's load). */
  youngBytesPerRequest?: number
  /** GC time per request, µs of wall time (v8.GCProfiler; includes time the process was descheduled). */
  gcUsPerRequest?: number
  rssMb: number
}

export interface ContenderResult {
  id: string
  label: string
  framework: 'express' | 'koa'
  kind: 'bare' | 'scopeguard' | 'peer' | 'thin' | 'floor'
  /** The repeated-token floor this contender is judged against (see ContenderInfo.floor). */
  floor?: string
  /** Medians over rounds. */
  reqPerSec: number
  p50: number
  p99: number
  cpuUsPerRequest: number
  /** Medians as in Sample (absent in results of older runs). */
  youngBytesPerRequest?: number
  gcUsPerRequest?: number
  rssMb: number
  non2xxShare: number
  errors: number
  samples: Sample[]
}

export interface ScenarioResult {
  name: string
  title: string
  alg: string
  skipped: Record<string, string>
  contenders: ContenderResult[]
}

export interface ColdStartResult {
  id: string
  label: string
  statuses: Record<string, number>
  burstMs: number
  jwksFetches: number
  metadataFetches: number
  floodStatuses: Record<string, number>
  floodJwksFetches: number
}

export interface MemoryResult {
  id: string
  label: string
  tokens: number
  warmTokens: number
  warmRssMb: number
  peakRssMb: number
  finalRssMb: number
  warmHeapMb: number
  finalHeapMb: number
  reqPerSec: number
  non2xx: number
  /** RSS every 2 s after the warm-up, MB. */
  rssTimelineMb: number[]
}

export interface MicroResult {
  alg: string
  mode: 'sequential' | 'concurrent'
  subject: string
  opsPerSec: number
  usPerOp: number
}

/** Latency of an unprotected cheap route while another pool drives distinct-token verification. */
export interface EventLoopResult {
  id: string
  label: string
  /** The verification load on `/files`: medians over rounds. */
  reqPerSec: number
  cpuUsPerRequest: number
  /** `GET /health`, one request at a time on one keep-alive connection, in ms: medians over rounds; `requests` summed. */
  health: { requests: number; p50: number; p99: number; max: number }
  /** The same probe against the same process with no load on `/files`. */
  idle: { requests: number; p50: number; p99: number; max: number }
  samples: {
    reqPerSec: number
    cpuUsPerRequest: number
    probes: number
    p50: number
    p99: number
    max: number
  }[]
}

export interface Results {
  startedAt: string
  finishedAt: string
  machine: Machine
  options: RunOptions
  scenarios: ScenarioResult[]
  coldStart: ColdStartResult[]
  /** An unknown-kid flood once the cooldown of the first fetch has passed. */
  floodAfterCooldown?: { id: string; statuses: Record<string, number>; jwksFetches: number }
  memory: MemoryResult[]
  micro: MicroResult[]
  /** The event-loop trade-off scenario (absent in results of older runs). */
  eventLoop?: EventLoopResult[]
}
