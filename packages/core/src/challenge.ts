/**
 * Building and parsing `WWW-Authenticate` challenges (RFC 9110 §11, RFC 6750 §3).
 *
 * Values are always sent as quoted-strings. RFC 6750 restricts `error`, `error_description` and
 * `scope` to printable ASCII without `"` and `\`, so values are sanitised rather than escaped:
 * `"` becomes `'`, `\` becomes `/`, and anything outside printable ASCII is dropped.
 */

/**
 * Hidden member of {@link ChallengeParams} saying which challenges a response offers (RFC 9449
 * §7.1: `Bearer` and/or `DPoP`) and which scheme the request used. Set by the resource server.
 */
export const CHALLENGE_SCHEMES: unique symbol = Symbol.for('scopeguard.challenge-schemes')

/** Which challenges an error's `WWW-Authenticate` offers. */
export interface ChallengeSchemes {
  /** Offer the `Bearer` scheme (false when DPoP is required). */
  bearer: boolean
  /** The `algs` of the `DPoP` challenge (space-separated); undefined when DPoP is disabled. */
  dpopAlgs?: string | undefined
  /** The scheme the request used; the error parameters go on its challenge (RFC 9449 §7.2). */
  used?: 'Bearer' | 'DPoP' | undefined
}

/** Auth-params of one challenge; `undefined` values are left out. */
export type ChallengeParams = {
  realm?: string | undefined
  scope?: string | undefined
  error?: string | undefined
  error_description?: string | undefined
  error_uri?: string | undefined
  [name: string]: string | undefined
  /** Which schemes to challenge with; by default `Bearer` alone. */
  [CHALLENGE_SCHEMES]?: ChallengeSchemes | undefined
}

/**
 * The parameters every challenge of a resource server carries: its schemes, `realm` (default
 * `api`) and, when it publishes metadata that challenges name, `resource_metadata` (RFC 9728 §5.1).
 */
export function serverChallengeParams(
  realm: string | undefined,
  schemes: ChallengeSchemes,
  resourceMetadataUrl: string | undefined,
): Readonly<ChallengeParams> {
  return Object.freeze({
    [CHALLENGE_SCHEMES]: schemes,
    realm: realm ?? 'api',
    ...(resourceMetadataUrl === undefined ? {} : { resource_metadata: resourceMetadataUrl }),
  })
}

/** One parsed challenge: its scheme and its auth-params (names lower-cased). */
export interface ParsedChallenge {
  scheme: string
  params: Record<string, string>
  /** Set when the challenge carries a token68 instead of auth-params. */
  token68?: string
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Makes a value safe inside a quoted-string under RFC 6750's charset rules. */
export function sanitizeChallengeValue(value: string): string {
  let out = ''
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0
    if (char === '"') out += "'"
    else if (char === '\\') out += '/'
    else if (code >= 0x20 && code <= 0x7e) out += char
  }
  return out
}

/**
 * Formats one challenge, e.g. `Bearer realm="api", error="invalid_token"`. Parameters appear in
 * the order given, each at most once; names must be RFC 9110 tokens.
 */
export function formatChallenge(scheme: string, params: ChallengeParams): string {
  if (!TOKEN.test(scheme)) throw new TypeError(`invalid auth-scheme: ${JSON.stringify(scheme)}`)
  const parts: string[] = []
  const seen = new Set<string>()
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue
    const key = name.toLowerCase()
    if (!TOKEN.test(name) || seen.has(key)) throw new TypeError(`invalid auth-param name: ${name}`)
    seen.add(key)
    parts.push(`${name}="${sanitizeChallengeValue(value)}"`)
  }
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`
}

/**
 * Parses a `WWW-Authenticate` field value into its challenges (RFC 9110 §11.6.1 grammar,
 * including several challenges in one field). Throws a `SyntaxError` on malformed input.
 */
export function parseChallenges(header: string): ParsedChallenge[] {
  const challenges: ParsedChallenge[] = []
  let i = 0
  const n = header.length
  const ows = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++
  }
  const fail = (what: string): never => {
    throw new SyntaxError(`WWW-Authenticate: ${what} at offset ${i}`)
  }
  const readToken = (): string => {
    const start = i
    while (i < n && TOKEN.test(header[i] as string)) i++
    return header.slice(start, i)
  }
  const readQuoted = (): string => {
    i++ // opening quote
    let out = ''
    while (i < n) {
      const c = header[i] as string
      if (c === '"') {
        i++
        return out
      }
      if (c === '\\') {
        i++
        if (i >= n) break
        out += header[i]
        i++
        continue
      }
      const code = c.charCodeAt(0)
      if (code < 0x20 && c !== '\t') fail('control character in quoted-string')
      if (code === 0x7f) fail('DEL in quoted-string')
      out += c
      i++
    }
    return fail('unterminated quoted-string')
  }

  /** Whether the text at `i` is `token OWS "=" OWS (token / quoted-string)`. */
  const startsAuthParam = (): boolean => {
    const save = i
    const name = readToken()
    ows()
    let ok = name !== '' && header[i] === '='
    if (ok) {
      i++
      ows()
      ok = header[i] === '"' || readToken() !== ''
    }
    i = save
    return ok
  }

  ows()
  while (i < n) {
    if (header[i] === ',') {
      i++
      ows()
      continue
    }
    const scheme = readToken()
    if (!scheme) fail('expected auth-scheme')
    const challenge: ParsedChallenge = {
      scheme,
      params: Object.create(null) as Record<string, string>,
    }
    challenges.push(challenge)
    if (i < n && header[i] !== ' ' && header[i] !== ',') fail('expected space after auth-scheme')
    ows()
    if (!startsAuthParam()) {
      const t68 = /^[A-Za-z0-9\-._~+/]+=*/.exec(header.slice(i))
      if (t68) {
        i += t68[0].length
        ows()
        if (i < n && header[i] !== ',') fail('unexpected character after token68')
        challenge.token68 = t68[0]
        continue
      }
    }
    while (i < n) {
      if (!startsAuthParam()) break
      const name = readToken()
      ows()
      i++
      ows()
      const value = header[i] === '"' ? readQuoted() : readToken()
      const key = name.toLowerCase()
      if (Object.hasOwn(challenge.params, key)) fail(`duplicate auth-param ${key}`)
      challenge.params[key] = value
      ows()
      if (i >= n) break
      if (header[i] !== ',') fail('expected comma')
      i++
      ows()
      // skip empty list elements; then a following auth-param continues this challenge and
      // anything else starts the next challenge
      while (header[i] === ',') {
        i++
        ows()
      }
      if (!startsAuthParam()) break
    }
    ows()
  }
  return challenges
}
