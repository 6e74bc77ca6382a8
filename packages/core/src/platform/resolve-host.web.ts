/**
 * Runtimes without `node:dns` (browsers, workers, edge functions) cannot resolve names before a
 * fetch: host names are then judged by their spelling only. Default build of
 * `#platform/resolve-host`.
 * @returns undefined: this runtime cannot resolve names.
 */
export async function resolveHost(hostname: string): Promise<readonly string[] | undefined> {
  void hostname
  return undefined
}
