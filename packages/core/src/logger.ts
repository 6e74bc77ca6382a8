/** Where the library reports server-side problems (an unreachable JWKS endpoint, bad metadata). */
export interface Logger {
  warn(message: string, details?: Record<string, unknown>): void
  error(message: string, details?: Record<string, unknown>): void
}

/** A logger that discards everything. */
export const silentLogger: Logger = { warn() {}, error() {} }

/** Prefixes messages with `[scopeguard]` and writes them to the console. */
export const consoleLogger: Logger = {
  warn(message, details) {
    console.warn(`[scopeguard] ${message}`, ...(details ? [details] : []))
  },
  error(message, details) {
    console.error(`[scopeguard] ${message}`, ...(details ? [details] : []))
  },
}
