export { createTelemetryHook, INSTRUMENTATION_NAME, METRIC_NAMES } from './telemetry.js'
export type { TelemetryOptions } from './telemetry.js'
