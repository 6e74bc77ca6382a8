/** Parses the auth-params of a single `WWW-Authenticate` challenge (quoted or token values). */
export function parseChallenge(header: string | null | undefined): {
  scheme: string | undefined
  params: Record<string, string>
} {
  const params: Record<string, string> = {}
  if (!header) return { scheme: undefined, params }
  const scheme = /^\s*([!#$%&'*+.^_`|~\w-]+)/.exec(header)?.[1]
  const rest = header.slice(header.indexOf(scheme ?? '') + (scheme?.length ?? 0))
  for (const match of rest.matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) {
    const name = match[1]
    if (name) params[name.toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1')
  }
  return { scheme, params }
}
