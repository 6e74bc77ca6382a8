// Every ```ts block of every README compiles under strict against the workspace packages (with the
// README's prelude for fragments), unless a `<!-- readme-test: skip (reason) -->` says why not.
import { describe, expect, it } from 'vitest'
import { compileBlocks } from '../src/compile.js'
import { codeBlocks } from '../src/markdown.js'
import { readmes } from '../src/readmes.js'

const all = readmes()

describe.each(all.map((readme) => [readme.path, readme] as const))('%s', (path, readme) => {
  const blocks = codeBlocks(readme.text, path)
  const compiled = blocks.filter((block) => block.directive.kind !== 'skip')
  const skipped = blocks.filter((block) => block.directive.kind === 'skip')

  it('compiles every TypeScript block under strict', () => {
    const reasons = skipped.map((block) =>
      block.directive.kind === 'skip' ? `line ${block.line}: ${block.directive.reason}` : '',
    )
    console.log(
      `${path}: ${compiled.length} compiled, ${skipped.length} skipped` +
        reasons.map((reason) => `\n  skipped ${reason}`).join(''),
    )
    const errors = compileBlocks(readme.name, compiled).map(
      (error) => `${path}:${error.line}: ${error.message}`,
    )
    expect(errors).toEqual([])
  })
})

it('compiles nearly every block: skips are the exception', () => {
  const blocks = all.flatMap((readme) => codeBlocks(readme.text, readme.path))
  const skipped = blocks.filter((block) => block.directive.kind === 'skip').length
  console.log(`all READMEs: ${blocks.length - skipped} compiled, ${skipped} skipped`)
  expect(blocks.length - skipped).toBeGreaterThanOrEqual(50)
  expect(skipped).toBeLessThanOrEqual(3)
})

describe('the compile step', () => {
  it('reports a drifted option name at its README line', () => {
    const code = [
      "import { createResourceServer } from '@scopeguard/core'",
      "createResourceServer({ issuerBaseURL: 'https://auth.example.com', audience: 'a' })",
    ].join('\n')
    const errors = compileBlocks('core', [{ line: 40, code, directive: { kind: 'compile' } }])
    expect(errors).toEqual([expect.objectContaining({ line: 41 })])
    expect(errors[0]?.message).toContain('issuerBaseURL')
  })

  it('reports a removed export and an unknown prelude name', () => {
    const code = "import { protectRoute } from '@scopeguard/express'\nnotDeclared()"
    const errors = compileBlocks('express', [{ line: 1, code, directive: { kind: 'compile' } }])
    expect(errors.map((error) => error.line)).toEqual([1, 2])
  })
})
