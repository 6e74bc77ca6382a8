/** `jwks_uri`, `JWKS-URI` and `jwksUri` compare equal. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '')
}

/** Levenshtein distance (insertions, deletions and substitutions each cost one). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(
        substitution,
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
      )
    }
    previous = current
  }
  return previous[b.length] as number
}

/**
 * The known name a mistyped one most likely meant, or undefined when none is close. Names are
 * compared ignoring case, `-` and `_`. A near miss (at most two edits, and a third of the name: `audiance`, `jwksURL`) wins;
 * then a known name the unknown one starts with (`issuerBaseURL` → `issuer`, the longest such);
 * then the nearest within a third of the name's length.
 */
export function closestName(unknown: string, known: readonly string[]): string | undefined {
  const target = normalize(unknown)
  let nearest: string | undefined
  let nearestDistance = Infinity
  let prefix: string | undefined
  for (const name of known) {
    const candidate = normalize(name)
    const distance = editDistance(target, candidate)
    if (distance < nearestDistance) {
      nearest = name
      nearestDistance = distance
    }
    if (candidate.length >= 4 && target.startsWith(candidate)) {
      if (prefix === undefined || name.length > prefix.length) prefix = name
    }
  }
  const tolerance = Math.floor(target.length / 3)
  if (nearestDistance <= Math.min(2, tolerance)) return nearest
  if (prefix !== undefined) return prefix
  return nearestDistance <= tolerance ? nearest : undefined
}
