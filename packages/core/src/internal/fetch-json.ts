import { redactUrl } from '../url-policy.js'
import { BodyTooLargeError, readCappedText, upstreamSignal } from './read-capped.js'

/** The fetch function the library calls; a subset of the global `fetch`. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/**
 * The runtime's `fetch`, called without a receiver: workerd refuses `fetch` invoked as a method of
 * another object (`options.fetch(url)` with `options.fetch === globalThis.fetch` is an "Illegal
 * invocation" there). Resolved at call time, so a `fetch` replaced later is the one used.
 */
export const defaultFetch: FetchLike = (input, init) => fetch(input, init)

/** Largest JWK Set or metadata document read, in bytes. */
export const DOCUMENT_MAX_BYTES = 512 * 1024

/** Why a fetch of a JSON document failed; the message is for logs, never for clients. */
export class FetchJsonError extends Error {
  /** HTTP status, when a response arrived. */
  readonly status: number | undefined
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FetchJsonError'
    this.status = status
  }
}

/** Limits for {@link fetchJson}. */
export interface FetchJsonOptions {
  fetch: FetchLike
  timeoutMs: number
  /** Largest accepted body in bytes. @default 524288 (512 KiB) */
  maxBytes?: number
}

/**
 * Why a request failed, for a log line: our own refusals and limits say what happened; anything
 * else (a fetch implementation's message may quote the URL) is summarised by its name.
 */
export function failureDetail(cause: unknown): string {
  if (cause instanceof BodyTooLargeError) return `: ${cause.message}`
  if (cause instanceof Error && cause.name === 'UpstreamRefusedError') return `: ${cause.message}`
  return ''
}

/**
 * GETs a URL and parses a JSON object from it, with a timeout, no redirects and a size cap: the
 * body is read as a stream and the request aborted as soon as it passes `maxBytes`, so no more
 * than the cap is ever held, whatever `Content-Length` says or omits. Messages name the URL
 * without userinfo or query.
 * @throws FetchJsonError for network errors, timeouts, non-200 answers, bodies over the cap and
 *   bodies that are not a JSON object.
 */
export async function fetchJson(
  url: string,
  options: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  const maxBytes = options.maxBytes ?? DOCUMENT_MAX_BYTES
  const shown = redactUrl(url)
  const upstream = upstreamSignal(options.timeoutMs)
  const failed = (cause: unknown, status?: number): FetchJsonError =>
    new FetchJsonError(
      upstream.timedOut()
        ? `GET ${shown} timed out after ${options.timeoutMs} ms`
        : `GET ${shown} failed${failureDetail(cause)}`,
      status,
      { cause },
    )
  let text: string
  try {
    let response: Response
    try {
      response = await options.fetch(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        redirect: 'manual',
        signal: upstream.signal,
      })
    } catch (cause) {
      throw failed(cause)
    }
    if (response.status !== 200) {
      upstream.abort()
      await response.body?.cancel().catch(() => {})
      throw new FetchJsonError(`GET ${shown} answered ${response.status}`, response.status)
    }
    try {
      text = await readCappedText(response, maxBytes, upstream.abort)
    } catch (cause) {
      if (cause instanceof BodyTooLargeError) {
        throw new FetchJsonError(`GET ${shown} answered too much: ${cause.message}`, 200, {
          cause,
        })
      }
      throw failed(cause, 200)
    }
  } finally {
    upstream.done()
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new FetchJsonError(`GET ${shown} did not answer JSON`, 200, { cause })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FetchJsonError(`GET ${shown} did not answer a JSON object`, 200)
  }
  return json as Record<string, unknown>
}
