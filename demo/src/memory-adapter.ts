import type { Adapter, AdapterPayload } from 'oidc-provider'

interface Entry {
  payload: AdapterPayload
  expiresAt: number
}

/**
 * A tiny in-memory storage adapter. The demo's state lives as long as the process, which is
 * exactly what we want; supplying our own adapter also keeps oidc-provider from warning about
 * its development-only one.
 */
export function createMemoryAdapter(): (model: string) => Adapter {
  const store = new Map<string, Entry>()

  const get = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key)
    if (entry && entry.expiresAt <= Date.now()) store.delete(key)
    else return entry?.payload
    return undefined
  }
  const findBy = (model: string, field: 'uid' | 'userCode', value: string) => {
    for (const key of store.keys()) {
      const payload = key.startsWith(`${model}:`) ? get(key) : undefined
      if (payload?.[field] === value) return payload
    }
    return undefined
  }

  return (model) => {
    const key = (id: string): string => `${model}:${id}`
    return {
      async upsert(id, payload, expiresIn) {
        const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000
        store.set(key(id), { payload, expiresAt })
      },
      async find(id) {
        return get(key(id))
      },
      async findByUid(uid) {
        return findBy(model, 'uid', uid)
      },
      async findByUserCode(userCode) {
        return findBy(model, 'userCode', userCode)
      },
      async consume(id) {
        const payload = get(key(id))
        if (payload) payload.consumed = Math.floor(Date.now() / 1000)
      },
      async destroy(id) {
        store.delete(key(id))
      },
      async revokeByGrantId(grantId) {
        for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k)
      },
    }
  }
}
