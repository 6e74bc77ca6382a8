import { resolveHost } from '#platform/resolve-host'
import { privateNetworkProblem, type HostResolver } from '../private-network.js'
import { redactUrl } from '../url-policy.js'
import type { FetchLike } from './fetch-json.js'

/** A request this library refused to send; the message (for logs) says why, without secrets. */
export class UpstreamRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UpstreamRefusedError'
  }
}

/**
 * Wraps a fetch so that it refuses hosts on private networks (see {@link privateNetworkProblem})
 * before any connection is made, with an {@link UpstreamRefusedError}. Names are resolved with
 * `#platform/resolve-host` (the operating system's resolver on Node.js; not at all elsewhere),
 * unless `resolve` is given.
 */
export function refusePrivateNetworks(
  fetch: FetchLike,
  resolve: HostResolver = resolveHost,
): FetchLike {
  return async function guardedFetch(input, init) {
    let url: URL
    try {
      url = new URL(input)
    } catch {
      throw new UpstreamRefusedError('refused to contact a URL that does not parse')
    }
    const problem = await privateNetworkProblem(url, resolve)
    if (problem !== undefined) {
      throw new UpstreamRefusedError(
        `refused to contact ${redactUrl(url)}: ${problem} (privateNetworks: 'refuse')`,
      )
    }
    return fetch(input, init)
  }
}
