/**
 * Creates the identity function of issuer configurations for one issuer registry: a string equal
 * for two configurations exactly when they would verify the same way. Plain data (strings,
 * numbers, arrays, plain objects) is compared by value, with object keys in sorted order;
 * anything else (functions, `CryptoKey`s, `KeyObject`s, class instances) by identity, numbered
 * per registry, so two tenants that pass different key objects or validators never count as one.
 * Byte arrays (`secret`) are compared by content.
 */
export function createConfigurationKey(): (value: unknown) => string {
  const identities = new WeakMap<object, number>()
  let nextIdentity = 1
  const identityOf = (value: object): string => {
    let id = identities.get(value)
    if (id === undefined) {
      id = nextIdentity++
      identities.set(value, id)
    }
    return `#ref:${id}`
  }
  return (value) => JSON.stringify(canonical(value, new Set(), identityOf))
}

type IdentityOf = (value: object) => string

function canonical(value: unknown, seen: Set<object>, identityOf: IdentityOf): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (value === undefined) return '#undefined'
  if (typeof value === 'bigint' || typeof value === 'symbol') return `#${String(value)}`
  if (typeof value === 'function') return identityOf(value)
  const object = value as object
  if (object instanceof Uint8Array) return `#bytes:${Array.from(object).join(',')}`
  if (seen.has(object)) return identityOf(object)
  const prototype = Object.getPrototypeOf(object) as unknown
  if (Array.isArray(object)) {
    seen.add(object)
    const items = object.map((item) => canonical(item, seen, identityOf))
    seen.delete(object)
    return items
  }
  if (prototype !== Object.prototype && prototype !== null) return identityOf(object)
  seen.add(object)
  const entries: [string, unknown][] = []
  for (const key of Object.keys(object).sort()) {
    const item = (object as Record<string, unknown>)[key]
    // An absent option and one set to undefined configure the same thing.
    if (item !== undefined) entries.push([key, canonical(item, seen, identityOf)])
  }
  seen.delete(object)
  return { '#object': entries }
}
