import { lookup } from 'node:dns/promises'

/**
 * The addresses a host name resolves to, through the operating system's resolver (as `fetch`
 * itself resolves names). Node.js build of `#platform/resolve-host`.
 * @returns every address (IPv4 and IPv6), or undefined when this runtime cannot resolve names.
 * @throws Error when the name does not resolve.
 */
export async function resolveHost(hostname: string): Promise<readonly string[] | undefined> {
  const answers = await lookup(hostname, { all: true, verbatim: true })
  return answers.map((answer) => answer.address)
}
