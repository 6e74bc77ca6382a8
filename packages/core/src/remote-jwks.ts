import { createLocalJWKSet, type JWSHeaderParameters } from 'jose'
import { TemporarilyUnavailableError } from './errors.js'
import { fetchJson, type FetchLike } from './internal/fetch-json.js'
import { usableVerificationKeys, type KeySource, type VerificationKey } from './key-source.js'
import type { Logger } from './logger.js'

/** Timing of a remote JWK Set. All durations in milliseconds. */
export interface RemoteJwksTiming {
  /** Abort a JWKS request after this long. @default 5000 */
  timeoutMs?: number
  /** Least time between two fetches caused by an unknown `kid`. @default 30000 */
  cooldownMs?: number
  /**
   * Keys older than this are refreshed in the background on the next request, which keeps using
   * the cached keys meanwhile (stale-while-revalidate). @default 600000
   */
  maxAgeMs?: number
  /** After a failed fetch with nothing cached, answer 503 without refetching for this long. @default 1000 */
  retryAfterMs?: number
}

/** Options of {@link remoteJwksSource}. */
export interface RemoteJwksOptions extends RemoteJwksTiming {
  /** The JWKS URL, or a function resolving it (e.g. from cached discovery) before each fetch. */
  url: string | (() => Promise<string>)
  fetch: FetchLike
  logger: Logger
  /** Clock in milliseconds. */
  now: () => number
}

type LocalSet = (header: JWSHeaderParameters) => Promise<VerificationKey>

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY'
}

/**
 * A key source over a remote JWK Set. Keys are fetched once and shared by concurrent requests;
 * an unknown `kid` triggers at most one refetch per cooldown; old keys are refreshed in the
 * background; when the endpoint fails, cached keys keep working, and only with nothing cached
 * does a request fail, with a 503 {@link TemporarilyUnavailableError}.
 */
export function remoteJwksSource(options: RemoteJwksOptions): KeySource {
  const timeoutMs = options.timeoutMs ?? 5000
  const cooldownMs = options.cooldownMs ?? 30_000
  const maxAgeMs = options.maxAgeMs ?? 600_000
  const retryAfterMs = options.retryAfterMs ?? 1000
  const { now, logger } = options
  let set: LocalSet | undefined
  let loadedAt = 0
  let lastAttempt = Number.NEGATIVE_INFINITY
  let lastFailure: unknown
  let pending: Promise<LocalSet> | undefined

  async function fetchSet(): Promise<LocalSet> {
    const url = typeof options.url === 'string' ? options.url : await options.url()
    const document = await fetchJson(url, { fetch: options.fetch, timeoutMs })
    const usable = usableVerificationKeys(document)
    if (usable === undefined) throw new Error(`${url} did not answer a JWK Set`)
    return createLocalJWKSet(usable) as LocalSet
  }

  /** Fetches the set (one fetch at a time). Resolves with the newest usable set. */
  function load(): Promise<LocalSet> {
    if (pending) return pending
    lastAttempt = now()
    pending = fetchSet()
      .then((fresh) => {
        set = fresh
        loadedAt = now()
        lastFailure = undefined
        return fresh
      })
      .catch((cause: unknown) => {
        lastFailure = cause
        const message = cause instanceof Error ? cause.message : String(cause)
        if (set !== undefined) {
          logger.warn(`JWKS refresh failed; still using the cached keys: ${message}`)
          return set
        }
        logger.error(`cannot load signing keys: ${message}`)
        throw unavailable(cause)
      })
      .finally(() => {
        pending = undefined
      })
    return pending
  }

  function unavailable(cause: unknown): TemporarilyUnavailableError {
    return new TemporarilyUnavailableError(undefined, { cause })
  }

  async function current(): Promise<LocalSet> {
    if (set !== undefined) {
      if (now() - loadedAt > maxAgeMs && now() - lastAttempt >= retryAfterMs) {
        load().catch(() => {})
      }
      return set
    }
    if (pending) return pending
    if (lastFailure !== undefined && now() - lastAttempt < retryAfterMs) {
      throw unavailable(lastFailure)
    }
    return load()
  }

  return {
    kind: 'asymmetric',
    async getKey(header) {
      const local = await current()
      try {
        return await local(header)
      } catch (error) {
        if (!isNoMatchingKey(error)) throw error
        if (pending === undefined && now() - lastAttempt < cooldownMs) throw error
        const fresh = await load()
        return fresh(header)
      }
    },
    async warmUp() {
      if (set !== undefined) return
      try {
        await load()
      } catch {
        const reason = lastFailure instanceof Error ? lastFailure.message : String(lastFailure)
        throw new Error(`scopeguard: cannot load signing keys: ${reason}`, { cause: lastFailure })
      }
    },
  }
}
