import { createLocalJWKSet, type JWSHeaderParameters } from 'jose'
import { LRUCache } from 'lru-cache'
import { ConfigurationError, TemporarilyUnavailableError } from './errors.js'
import { monotonicMs, NO_EVENTS, type EventSink } from './events.js'
import { fetchJson, type FetchLike } from './internal/fetch-json.js'
import { checkNumberOption } from './internal/option-checks.js'
import { describeValue } from './internal/shape.js'
import { usableVerificationKeys, type KeySource, type VerificationKey } from './key-source.js'
import type { Logger } from './logger.js'
import { nativeJwkSet, type NativeKeyMatch } from './native-key-set.js'
import type { NativeSignatures } from './native-signatures.js'
import { redactText, redactUrl } from './url-policy.js'

/** Timing of a remote JWK Set. All durations in milliseconds. */
export interface RemoteJwksTiming {
  /** Abort a JWKS request after this long. @default 5000 */
  timeoutMs?: number
  /**
   * The refetch budget's period: at most `refetchBurst` fetches caused by unknown `kid`s happen
   * per `cooldownMs` (a token bucket regaining one refetch every `cooldownMs / refetchBurst`).
   * @default 30000
   */
  cooldownMs?: number
  /**
   * Unknown-`kid` refetches available at once (the token bucket's size). A `kid` that a refetch
   * did not find is remembered for `cooldownMs` and never spends the budget again meanwhile, so
   * junk `kid`s repeated in a flood cannot use up what a genuine key rotation needs.
   * @default 3
   */
  refetchBurst?: number
  /**
   * Keys older than this are refreshed in the background on the next request, which keeps using
   * the cached keys meanwhile (stale-while-revalidate). @default 600000
   */
  maxAgeMs?: number
  /** After a failed fetch with nothing cached, answer 503 without refetching for this long. @default 1000 */
  retryAfterMs?: number
}

/** Options of {@link remoteJwksSource}. */
/**
 * Validates the resource server's `jwksTiming` option (its shape is checked before).
 * @throws ConfigurationError
 */
export function validateJwksTiming(timing: RemoteJwksTiming | undefined): void {
  if (timing === undefined) return
  for (const key of [
    'timeoutMs',
    'cooldownMs',
    'refetchBurst',
    'maxAgeMs',
    'retryAfterMs',
  ] as const) {
    checkNumberOption(`jwksTiming.${key}`, timing[key])
  }
  const burst = timing.refetchBurst
  if (burst !== undefined && !(Number.isInteger(burst) && burst >= 1)) {
    throw new ConfigurationError(
      `jwksTiming.refetchBurst must be a whole number of at least 1, got ${describeValue(burst)}`,
    )
  }
}

export interface RemoteJwksOptions extends RemoteJwksTiming {
  /** The JWKS URL, or a function resolving it (e.g. from cached discovery) before each fetch. */
  url: string | (() => Promise<string>)
  fetch: FetchLike
  logger: Logger
  /** Clock in milliseconds. */
  now: () => number
  /** Where key fetches, stale keys and cache lookups are reported. @default no events */
  events?: EventSink
  /** The issuer these keys belong to, named in events. */
  issuer?: string
  /** Also imports every fetched key for the runtime's synchronous verifier, once per fetch. */
  native?: NativeSignatures
}

/** One fetched key set: for jose (imported lazily), and for the native verifier (imported now). */
interface LoadedSet {
  jose: (header: JWSHeaderParameters) => Promise<VerificationKey>
  native?: (header: JWSHeaderParameters) => NativeKeyMatch
}

/** Picks one view of a loaded set. */
type View<K> = (set: LoadedSet) => (header: JWSHeaderParameters) => K | Promise<K>

function isNoMatchingKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_JWKS_NO_MATCHING_KEY'
}

/** Most unknown `kid`s remembered as absent at once. */
const MAX_ABSENT_KIDS = 1000

/**
 * A key source over a remote JWK Set. Keys are fetched once and shared by concurrent requests;
 * old keys are refreshed in the background; when the endpoint fails, cached keys keep working
 * (reported as `stale_keys_served`), and only with nothing cached does a request fail, with a
 * 503 {@link TemporarilyUnavailableError}.
 *
 * An unknown `kid` may cause a refetch, within a budget: a token bucket of `refetchBurst`
 * refetches regaining one every `cooldownMs / refetchBurst`. The budget is spent only when a
 * refetch could help: not for a `kid` that is not a string, not while a fetch is in flight (the
 * request waits for it), and not for a `kid` that a fetch made after it was first seen did not
 * contain (remembered, up to 1000 of them, for `cooldownMs`). So one junk `kid`, however often
 * it is sent, costs at most one fetch per `cooldownMs`, and a genuine rotation still finds a
 * refetch available; a stream of distinct junk `kid`s can spend the budget, but each refetch it
 * causes also picks up any newly published key.
 */
export function remoteJwksSource(options: RemoteJwksOptions): KeySource {
  const timeoutMs = options.timeoutMs ?? 5000
  const cooldownMs = options.cooldownMs ?? 30_000
  const burst = options.refetchBurst ?? 3
  const refillMs = cooldownMs / burst
  const maxAgeMs = options.maxAgeMs ?? 600_000
  const retryAfterMs = options.retryAfterMs ?? 1000
  const { now, logger } = options
  const events = options.events ?? NO_EVENTS
  const issuer = options.issuer
  let set: LoadedSet | undefined
  let loadedAt = 0
  let lastAttempt = Number.NEGATIVE_INFINITY
  let lastFailure: unknown
  let pending: Promise<LoadedSet> | undefined
  let budget = burst
  let budgetAt = Number.NEGATIVE_INFINITY
  /** kid → when a fetch showed it absent (on the `now` clock). */
  const absent = new LRUCache<string, number>({ max: MAX_ABSENT_KIDS })
  const knownAbsent = (kid: string): boolean => {
    const at = absent.get(kid)
    return at !== undefined && now() - at < cooldownMs
  }

  /** Takes one unknown-kid refetch from the bucket, if one is left. */
  function spendRefetch(): boolean {
    const at = now()
    if (budgetAt === Number.NEGATIVE_INFINITY) budgetAt = at
    const regained = Math.floor((at - budgetAt) / refillMs)
    if (regained > 0) {
      budget = Math.min(burst, budget + regained)
      budgetAt = budget === burst ? at : budgetAt + regained * refillMs
    }
    if (budget < 1) return false
    budget -= 1
    return true
  }

  async function fetchSet(trigger: 'initial' | 'refresh' | 'unknown_kid'): Promise<LoadedSet> {
    const url = typeof options.url === 'string' ? options.url : await options.url()
    const shown = redactUrl(url)
    const started = events.enabled ? monotonicMs() : 0
    try {
      const document = await fetchJson(url, { fetch: options.fetch, timeoutMs })
      const usable = usableVerificationKeys(document)
      if (usable === undefined) throw new Error(`${shown} did not answer a JWK Set`)
      const local: LoadedSet = {
        jose: createLocalJWKSet(usable) as LoadedSet['jose'],
        ...(options.native === undefined
          ? {}
          : { native: nativeJwkSet(options.native, structuredClone(usable.keys)) }),
      }
      if (events.enabled) {
        events.emit({
          type: 'key_fetch',
          outcome: 'ok',
          trigger,
          url: shown,
          issuer,
          durationMs: monotonicMs() - started,
        })
      }
      return local
    } catch (cause) {
      if (events.enabled) {
        events.emit({
          type: 'key_fetch',
          outcome: 'failed',
          trigger,
          url: shown,
          issuer,
          durationMs: monotonicMs() - started,
        })
      }
      throw cause
    }
  }

  /** Fetches the set (one fetch at a time). Resolves with the newest usable set. */
  function load(trigger: 'initial' | 'refresh' | 'unknown_kid'): Promise<LoadedSet> {
    if (pending) return pending
    lastAttempt = now()
    pending = fetchSet(trigger)
      .then((fresh) => {
        set = fresh
        loadedAt = now()
        lastFailure = undefined
        return fresh
      })
      .catch((cause: unknown) => {
        lastFailure = cause
        const message = redactText(cause instanceof Error ? cause.message : String(cause))
        if (set !== undefined) {
          logger.warn(`JWKS refresh failed; still using the cached keys: ${message}`)
          events.emit({ type: 'stale_keys_served', issuer })
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

  /** Starts a background refresh when the cached keys are old (stale-while-revalidate). */
  function refreshIfOld(): void {
    if (now() - loadedAt > maxAgeMs && now() - lastAttempt >= retryAfterMs) {
      load('refresh').catch(() => {})
    }
  }

  async function current(): Promise<LoadedSet> {
    if (set !== undefined) {
      refreshIfOld()
      return set
    }
    if (pending) return pending
    if (lastFailure !== undefined && now() - lastAttempt < retryAfterMs) {
      throw unavailable(lastFailure)
    }
    return load('initial')
  }

  function cacheEvent(hit: boolean): void {
    if (events.enabled) events.emit({ type: 'cache', cache: 'jwks', hit, issuer })
  }

  /** A lookup that missed in the cached set: refetch if that could help, within the budget. */
  async function afterMiss<K>(
    error: unknown,
    header: JWSHeaderParameters,
    view: View<K>,
  ): Promise<K> {
    if (!isNoMatchingKey(error)) throw error
    const kid = header.kid
    if (typeof kid !== 'string' && kid !== undefined) throw error
    const name = kid ?? ''
    if (pending === undefined && (knownAbsent(name) || !spendRefetch())) throw error
    cacheEvent(false)
    const fresh = await load('unknown_kid')
    try {
      return await view(fresh)(header)
    } catch (retryError) {
      if (isNoMatchingKey(retryError)) absent.set(name, now())
      throw retryError
    }
  }

  async function lookupAsync<K>(header: JWSHeaderParameters, view: View<K>): Promise<K> {
    const cold = set === undefined
    const local = await current()
    let key: K
    try {
      key = await view(local)(header)
    } catch (error) {
      return afterMiss(error, header, view)
    }
    cacheEvent(!cold)
    return key
  }

  /** The native keys for a header: synchronously when the set is loaded and has them. */
  function nativeLookup(header: JWSHeaderParameters): NativeKeyMatch | Promise<NativeKeyMatch> {
    const view: View<NativeKeyMatch> = (loaded) =>
      loaded.native as (h: JWSHeaderParameters) => NativeKeyMatch
    if (set === undefined) return lookupAsync(header, view)
    refreshIfOld()
    let key: NativeKeyMatch
    try {
      key = view(set)(header) as NativeKeyMatch
    } catch (error) {
      return afterMiss(error, header, view)
    }
    cacheEvent(true)
    return key
  }

  return {
    kind: 'asymmetric',
    getKey: (header) => lookupAsync(header, (loaded) => loaded.jose),
    ...(options.native === undefined ? {} : { nativeKeys: nativeLookup }),
    async warmUp() {
      if (set !== undefined) return
      try {
        await load('initial')
      } catch {
        const reason = redactText(
          lastFailure instanceof Error ? lastFailure.message : String(lastFailure),
        )
        throw new Error(`scopeguard: cannot load signing keys: ${reason}`, { cause: lastFailure })
      }
    },
  }
}
