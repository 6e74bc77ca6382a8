/**
 * The number of fast-check runs for a property: `ci` in the normal test run, or the value of
 * `FAST_CHECK_NUM_RUNS` for the long runs of `scripts/fuzz.mjs`.
 */
export function numRuns(ci: number): number {
  const configured = Number(process.env['FAST_CHECK_NUM_RUNS'])
  return Number.isInteger(configured) && configured > 0 ? configured : ci
}
