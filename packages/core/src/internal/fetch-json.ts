/** The fetch function the library calls; a subset of the global `fetch`. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

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
  /** Largest accepted body in bytes. */
  maxBytes?: number
}

/**
 * GETs a URL and parses a JSON object from it, with a timeout, no redirects and a size cap.
 * @throws FetchJsonError for network errors, timeouts, non-200 answers and bodies that are not a
 *   JSON object.
 */
export async function fetchJson(
  url: string,
  options: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  const maxBytes = options.maxBytes ?? 512 * 1024
  const signal = AbortSignal.timeout(options.timeoutMs)
  let response: Response
  try {
    response = await options.fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal,
    })
  } catch (cause) {
    const timedOut = signal.aborted
    throw new FetchJsonError(
      timedOut ? `GET ${url} timed out after ${options.timeoutMs} ms` : `GET ${url} failed`,
      undefined,
      { cause },
    )
  }
  let text: string
  try {
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new FetchJsonError(`GET ${url} answered ${response.status}`, response.status)
    }
    const length = Number(response.headers.get('content-length') ?? 0)
    if (length > maxBytes) {
      await response.body?.cancel()
      throw new FetchJsonError(
        `GET ${url} answered ${length} bytes, over the ${maxBytes} limit`,
        200,
      )
    }
    text = await response.text()
  } catch (cause) {
    if (cause instanceof FetchJsonError) throw cause
    throw new FetchJsonError(
      signal.aborted ? `GET ${url} timed out after ${options.timeoutMs} ms` : `GET ${url} failed`,
      response.status,
      { cause },
    )
  }
  if (text.length > maxBytes) {
    throw new FetchJsonError(`GET ${url} answered over the ${maxBytes} byte limit`, 200)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new FetchJsonError(`GET ${url} did not answer JSON`, 200, { cause })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FetchJsonError(`GET ${url} did not answer a JSON object`, 200)
  }
  return json as Record<string, unknown>
}
