#!/usr/bin/env node
// Adds up the Vitest JSON reports (test-results.json) of the given package directories (relative
// to the root; by default every workspace package with a test script) and prints one closing
// line, "N passed, N failed, N skipped". Besides failed tests, a test file that could not run
// (an import error, a failing beforeAll), a run that failed otherwise (an unhandled error, no test
// files) and a missing report each count as one failure. Exits non-zero when anything failed or
// nothing ran at all.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function workspaceDirs() {
  const dirs = ['packages', 'examples', 'tests'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group)).map((name) => join(group, name))
      : [],
  )
  dirs.push('demo')
  return dirs.filter((dir) => {
    const manifest = join(root, dir, 'package.json')
    return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test
  })
}

const given = process.argv.slice(2)
const dirs = given.length > 0 ? given : workspaceDirs()

let passed = 0
let failed = 0
let skipped = 0
const missing = []
for (const dir of dirs) {
  const report = join(root, dir, 'test-results.json')
  if (!existsSync(report)) {
    missing.push(dir)
    continue
  }
  const json = JSON.parse(readFileSync(report, 'utf8'))
  const files = json.testResults ?? []
  // A file that failed without a failed test never ran its tests (Vitest counts none of them).
  const unrun = files.filter(
    (file) =>
      file.status === 'failed' && !file.assertionResults?.some((test) => test.status === 'failed'),
  )
  const otherFailure = json.success === false && json.numFailedTests === 0 && unrun.length === 0
  passed += json.numPassedTests
  failed += json.numFailedTests + unrun.length + (otherFailure ? 1 : 0)
  skipped += json.numPendingTests + json.numTodoTests
  let line = `${dir}: ${json.numPassedTests} passed, ${json.numFailedTests} failed`
  if (unrun.length > 0) line += `, ${unrun.length} test file(s) could not run`
  if (otherFailure) line += ', and the run failed (an unhandled error, or no test files)'
  console.log(line)
  for (const file of unrun) {
    const reason = String(file.message ?? '').split('\n')[0] || 'no message'
    console.log(`  ${relative(join(root, dir), file.name)}: ${reason}`)
  }
}
for (const dir of missing) console.log(`${dir}: no test report (its tests did not run)`)
failed += missing.length
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
