/**
 * Compares a documented `WWW-Authenticate` cell with a header a server sent. Both are parsed with
 * the core's `parseChallenges`, so the comparison is by scheme and parameter, not by spelling.
 *
 * Conventions of the documentation: `…` as a value stands for any value, `ES256 …` for a value
 * starting with `ES256 `, a cell starting with `…, ` abbreviates `Bearer realm="api", `, and
 * `—` or `none` means no header at all.
 */
import { parseChallenges, type ParsedChallenge } from '@scopeguard/core/primitives'

/** The challenges a documented cell stands for, or `undefined` for "no header". */
export function documentedChallenges(cell: string): ParsedChallenge[] | undefined {
  const text = cell.replace(/^`|`$/g, '').trim()
  if (text === '—' || text === 'none') return undefined
  return parseChallenges(text.startsWith('…, ') ? `Bearer realm="api", ${text.slice(3)}` : text)
}

function valueMatches(documented: string, actual: string): boolean {
  if (documented === '…') return actual.length > 0
  if (documented.endsWith(' …')) return actual.startsWith(documented.slice(0, -1))
  return documented === actual
}

/** Why `actual` (a header value, or null) does not match the documented cell, or `undefined`. */
export function challengeMismatch(cell: string, actual: string | null): string | undefined {
  const expected = documentedChallenges(cell)
  if (expected === undefined) {
    return actual === null ? undefined : `documented no WWW-Authenticate, got ${actual}`
  }
  if (actual === null) return 'documented a WWW-Authenticate header, got none'
  const got = parseChallenges(actual)
  const shape = (list: ParsedChallenge[]): string =>
    list.map((c) => `${c.scheme}(${Object.keys(c.params).join(',')})`).join(' ')
  if (shape(expected) !== shape(got)) {
    return `schemes and parameters differ: documented ${shape(expected)}, got ${shape(got)} (${actual})`
  }
  for (const [index, challenge] of expected.entries()) {
    for (const [name, value] of Object.entries(challenge.params)) {
      const sent = got[index]?.params[name] ?? ''
      if (!valueMatches(value, sent)) {
        return `${challenge.scheme} ${name}: documented "${value}", got "${sent}" (${actual})`
      }
    }
  }
  return undefined
}
