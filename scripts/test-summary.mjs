#!/usr/bin/env node
// Adds up every workspace package's Vitest JSON report (test-results.json) and prints one
// closing line, "N passed, N failed, N skipped". Exits non-zero when a test failed, a package
// wrote no report, or nothing ran at all.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dirs = ['packages', 'examples', 'tests'].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group)).map((name) => join(group, name))
    : [],
)
dirs.push('demo')

let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const dir of dirs) {
  const manifest = join(root, dir, 'package.json')
  if (!existsSync(manifest)) continue
  const { scripts = {} } = JSON.parse(readFileSync(manifest, 'utf8'))
  if (!scripts.test) continue
  const report = join(root, dir, 'test-results.json')
  if (!existsSync(report)) {
    missing.push(dir)
    continue
  }
  const json = JSON.parse(readFileSync(report, 'utf8'))
  passed += json.numPassedTests
  failed += json.numFailedTests
  skipped += json.numPendingTests + json.numTodoTests
  console.log(`${dir}: ${json.numPassedTests} passed, ${json.numFailedTests} failed`)
}
for (const dir of missing) console.log(`${dir}: no test report (its tests did not run)`)
console.log(`${passed} passed, ${failed + missing.length} failed, ${skipped} skipped`)
process.exit(failed > 0 || missing.length > 0 || passed === 0 ? 1 : 0)
