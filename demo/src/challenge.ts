import { parseChallenges } from '@scopeguard/core/primitives'

/**
 * The scheme and auth-params of the first `WWW-Authenticate` challenge (or the first with the
 * given scheme, e.g. `DPoP`), read with the core's RFC 9110 parser; a missing or unparsable header
 * gives no scheme and no params.
 */
export function parseChallenge(
  header: string | null | undefined,
  scheme?: string,
): {
  scheme: string | undefined
  params: Record<string, string>
} {
  if (!header) return { scheme: undefined, params: {} }
  try {
    const all = parseChallenges(header)
    const first =
      scheme === undefined
        ? all[0]
        : all.find((c) => c.scheme.toLowerCase() === scheme.toLowerCase())
    return { scheme: first?.scheme, params: { ...first?.params } }
  } catch {
    return { scheme: undefined, params: {} }
  }
}
