/** When a node's circuit opens, and how it is probed. */
export interface BreakerSettings {
  /** Consecutive failed commands (timeouts, lost connection) that open the circuit. */
  readonly failures: number
  /** Pause between a failed probe and the next one. */
  readonly probeIntervalMs: number
  /** A probe not answered within this long is followed by another (answers still count later). */
  readonly probeTimeoutMs: number
}

/** Most unanswered probes at once (a hanging node keeps them queued until it answers). */
const MAX_UNANSWERED_PROBES = 3

/**
 * The health of one Redis node. Closed, every command goes through; after `failures` failed
 * commands in a row it opens: commands fail at once without being sent, and `probe()` (a `PING`)
 * runs until the node answers, which closes it again. Timers are unref'd and stop when it closes
 * or is disposed.
 */
export class NodeBreaker {
  readonly #settings: BreakerSettings
  readonly #probe: () => Promise<unknown>
  readonly #onProbeFailed: () => void
  #failures = 0
  #open = false
  #unanswered = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #disposed = false

  constructor(settings: BreakerSettings, probe: () => Promise<unknown>, onProbeFailed: () => void) {
    this.#settings = settings
    this.#probe = probe
    this.#onProbeFailed = onProbeFailed
  }

  /** True while commands for this node must fail without being sent. */
  get open(): boolean {
    return this.#open
  }

  /** The node answered (any reply, an error reply included). */
  succeeded(): void {
    this.#failures = 0
    if (!this.#open) return
    this.#open = false
    this.#clearTimer()
  }

  /** A command to the node timed out or lost its connection. */
  failed(): void {
    if (this.#open || this.#disposed) return
    this.#failures++
    if (this.#failures < this.#settings.failures) return
    this.#open = true
    this.#startProbe()
  }

  /** Stops probing for good (the node left the cluster). */
  dispose(): void {
    this.#disposed = true
    this.#open = false
    this.#clearTimer()
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #schedule(ms: number, then: () => void): void {
    this.#clearTimer()
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      then()
    }, ms)
    this.#timer.unref?.()
  }

  #startProbe(): void {
    if (!this.#open || this.#disposed) return
    if (this.#unanswered >= MAX_UNANSWERED_PROBES) {
      // The node holds earlier probes: its answer to any of them closes the circuit.
      this.#schedule(this.#settings.probeTimeoutMs, () => this.#startProbe())
      return
    }
    this.#unanswered++
    let reply: Promise<unknown>
    try {
      reply = Promise.resolve(this.#probe())
    } catch (error) {
      reply = Promise.reject(error)
    }
    let current = true
    this.#schedule(this.#settings.probeTimeoutMs, () => {
      current = false
      this.#onProbeFailed()
      this.#startProbe()
    })
    reply.then(
      () => {
        this.#unanswered--
        this.succeeded()
      },
      () => {
        this.#unanswered--
        if (!this.#open || this.#disposed) return
        this.#onProbeFailed()
        if (current) this.#schedule(this.#settings.probeIntervalMs, () => this.#startProbe())
      },
    )
  }
}
