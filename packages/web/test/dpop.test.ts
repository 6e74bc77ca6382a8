import { describeDpopCases } from '../../../tests/shared/dpop-cases.js'
import { itFiresEvents } from '../../../tests/shared/events-cases.js'
import { serve, type RunningApp } from '../../../tests/shared/serve.js'
import {
  createResourceServer,
  requireScope,
  withAuth,
  type ResourceServerOptions,
} from '../src/index.js'
import { listener, nodeExtras, type NodeFetchHandler } from './node.js'

function filesApp(options: ResourceServerOptions): Promise<RunningApp> {
  const handler: NodeFetchHandler = withAuth(
    createResourceServer(options),
    (_request, auth) =>
      Response.json({ tokenType: auth.tokenType, thumbprint: auth.dpop?.thumbprint }),
    { requirements: [requireScope('files:read')], requestExtras: nodeExtras },
  )
  return serve(listener(handler))
}

describeDpopCases('@scopeguard/web', 'Fetch', filesApp)

itFiresEvents('@scopeguard/web', filesApp)
