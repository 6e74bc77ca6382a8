#!/usr/bin/env node
// Long fuzzing run: the core's fast-check properties (src/*.property.test.ts) with many more runs
// than CI uses. Usage: node scripts/fuzz.mjs [runs]   (default 20000, or FAST_CHECK_NUM_RUNS)
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const runs = process.argv[2] ?? process.env.FAST_CHECK_NUM_RUNS ?? '20000'
if (!/^[1-9]\d*$/.test(runs)) {
  console.error(`fuzz: the number of runs must be a positive integer, got ${JSON.stringify(runs)}`)
  process.exit(2)
}
const core = fileURLToPath(new URL('../packages/core/', import.meta.url))
const vitest = fileURLToPath(new URL('../node_modules/.bin/vitest', import.meta.url))
console.log(`fuzz: ${runs} runs per property in packages/core/src/*.property.test.ts`)
const started = Date.now()
const result = spawnSync(
  vitest,
  ['run', '--reporter=default', '--testTimeout', '0', 'property.test'],
  {
    cwd: core,
    stdio: 'inherit',
    env: { ...process.env, FAST_CHECK_NUM_RUNS: runs },
  },
)
console.log(`fuzz: finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(result.status ?? 1)
