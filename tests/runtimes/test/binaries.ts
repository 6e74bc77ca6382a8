// The runtimes' executables, from the platform packages the npm packages `bun` and `deno` carry
// as optional dependencies (their postinstall scripts, which pnpm does not run, would only copy
// them into place).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

function platformPackage(main: string, candidates: string[]): string {
  const fromMain = createRequire(require.resolve(`${main}/package.json`))
  for (const name of candidates) {
    try {
      return dirname(fromMain.resolve(`${name}/package.json`))
    } catch {
      // not this platform's package
    }
  }
  throw new Error(`no ${main} binary package for ${process.platform}-${process.arch} is installed`)
}

const arch = process.arch === 'arm64' ? 'aarch64' : 'x64'

/** The `bun` executable. */
export function bunPath(): string {
  const dir = platformPackage('bun', [
    `@oven/bun-${process.platform}-${arch}`,
    `@oven/bun-${process.platform}-${arch}-musl`,
  ])
  return join(dir, 'bin', process.platform === 'win32' ? 'bun.exe' : 'bun')
}

/** The `deno` executable. */
export function denoPath(): string {
  const denoArch = process.arch === 'arm64' ? 'arm64' : 'x64'
  const dir = platformPackage('deno', [
    `@deno/${process.platform}-${denoArch}-glibc`,
    `@deno/${process.platform}-${denoArch}`,
  ])
  return join(dir, process.platform === 'win32' ? 'deno.exe' : 'deno')
}
