// One contender as its own process: starts the server named in argv, tells the runner its port,
// and reports its CPU time and memory on request (IPC), so CPU per request is the server's own.
import type { AddressInfo } from 'node:net'
import { CONTENDERS, type ContenderConfig } from './contenders.js'
import { serve } from './ipc.js'

const name = process.argv[2] as string
const config = JSON.parse(process.argv[3] as string) as ContenderConfig
const contender = CONTENDERS[name]
if (contender === undefined) throw new Error(`unknown contender ${name}`)
const server = await contender.start(config)
server.keepAliveTimeout = 60_000
serve({
  stats: () => {
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    return { cpuUs: cpu.user + cpu.system, rss: memory.rss, heapUsed: memory.heapUsed }
  },
  gc: () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    return true
  },
})
process.send?.({ ready: true, port: (server.address() as AddressInfo).port })
