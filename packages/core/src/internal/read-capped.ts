/** A response body (or its announced `Content-Length`) went over the byte cap. */
export class BodyTooLargeError extends Error {
  /** The cap, in bytes. */
  readonly maxBytes: number
  constructor(maxBytes: number, announced?: number) {
    super(
      announced === undefined
        ? `the body went over the ${maxBytes} byte limit`
        : `the body is ${announced} bytes, over the ${maxBytes} byte limit`,
    )
    this.name = 'BodyTooLargeError'
    this.maxBytes = maxBytes
  }
}

/**
 * Reads a response body as UTF-8 text, never holding more than `maxBytes` of it: a
 * `Content-Length` over the cap is refused before reading, and a body (chunked or lying about
 * its length) is read chunk by chunk, counting bytes, until it passes the cap. Either way the
 * body is cancelled and `abort` is called, so the connection is dropped instead of drained.
 * The bytes counted are those `fetch` hands over, after content decoding: a gzip bomb is capped too.
 * @throws BodyTooLargeError past the cap; whatever the body stream throws otherwise.
 */
export async function readCappedText(
  response: Response,
  maxBytes: number,
  abort: () => void,
): Promise<string> {
  const header = response.headers.get('content-length')
  const announced = header === null ? undefined : Number(header)
  if (announced !== undefined && announced > maxBytes) {
    abort()
    await response.body?.cancel().catch(() => {})
    throw new BodyTooLargeError(maxBytes, announced)
  }
  const body = response.body
  if (body === null) return ''
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      abort()
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(maxBytes)
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

/**
 * An abort signal for one upstream request: fires after `timeoutMs`, or when `abort()` is called
 * (a body over its cap); `timedOut()` tells the two apart. Call `done()` once the body is read,
 * to stop the timer.
 */
export function upstreamSignal(timeoutMs: number): {
  signal: AbortSignal
  abort: () => void
  timedOut: () => boolean
  done: () => void
} {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DOMException('The upstream request timed out', 'TimeoutError'))
  }, timeoutMs)
  return {
    signal: controller.signal,
    abort: () => {
      clearTimeout(timer)
      controller.abort(new DOMException('The upstream body is too large', 'AbortError'))
    },
    timedOut: () => timedOut,
    done: () => clearTimeout(timer),
  }
}
