/** The READMEs under test, found in the repository rather than listed, so a new one is checked. */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The repository root. */
export const ROOT = new URL('../../../', import.meta.url).pathname

/** A README: its path from the root, its prelude's name and its text. */
export interface Readme {
  readonly path: string
  /** `root`, the package folder's name (`express`), or `example-<name>`. */
  readonly name: string
  readonly text: string
}

/** README.md, packages/<name>/README.md and examples/<name>/README.md. */
export function readmes(): Readme[] {
  const found: { path: string; name: string }[] = [{ path: 'README.md', name: 'root' }]
  for (const [folder, prefix] of [
    ['packages', ''],
    ['examples', 'example-'],
  ] as const) {
    for (const entry of readdirSync(join(ROOT, folder)).sort()) {
      const path = `${folder}/${entry}/README.md`
      if (existsSync(join(ROOT, path))) found.push({ path, name: `${prefix}${entry}` })
    }
  }
  return found.map(({ path, name }) => ({
    path,
    name,
    text: readFileSync(join(ROOT, path), 'utf8'),
  }))
}
