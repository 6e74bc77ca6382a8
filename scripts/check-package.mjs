#!/usr/bin/env node
// Packs the package in the current directory the way pnpm publishes it, then checks the tarball
// with publint (strict) and arethetypeswrong (ESM-only profile). Run from a package's lint task.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name) => join(root, 'node_modules', '.bin', name)
const out = mkdtempSync(join(tmpdir(), 'scopeguard-pack-'))

function run(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: 'inherit' })
  if (result.status !== 0) {
    rmSync(out, { recursive: true, force: true })
    process.exit(result.status ?? 1)
  }
}

try {
  run(bin('pnpm'), ['pack', '--pack-destination', out])
  const tarball = join(
    out,
    readdirSync(out).find((f) => f.endsWith('.tgz')),
  )
  run(bin('publint'), ['run', tarball, '--strict'])
  run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'])
} finally {
  rmSync(out, { recursive: true, force: true })
}
