import { Miniflare } from 'miniflare'
import { WORKER } from './bundle.js'
import { describeRuntimeCases } from './runtime-cases.js'

// workerd through Miniflare: the Worker bundle as a modules Worker with the contract's variables
// as bindings. workerd's default network refuses loopback addresses, where the test issuer
// listens: the Worker's outbound network is opened to them (and only them).
describeRuntimeCases('workerd (Miniflare)', async (env) => {
  const mf = new Miniflare({
    modules: true,
    scriptPath: WORKER,
    compatibilityDate: '2026-04-01',
    bindings: env,
    host: '127.0.0.1',
    port: 0,
    outboundService: { network: { allow: ['local'] } },
    // no request.cf object fetched from the network: the placeholder will do
    cf: false,
  })
  const url = await mf.ready
  return { origin: url.origin, stop: () => mf.dispose() }
})
