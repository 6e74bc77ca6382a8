// Compiles the MCP fixtures with tsc under strict: an MCP server on Express protected by protect()
// with no type assertion, and (with skipLibCheck: false, where TS2430 showed) the SDK's own
// middleware next to ours. tsc over the SDK's and zod's declarations is slow on a loaded machine.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const fixtures = fileURLToPath(new URL('./fixtures/mcp-types/', import.meta.url))

function compile(project: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [tsc, '-p', `${fixtures}${project}`], {
    encoding: 'utf8',
  })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

describe('MCP SDK types', () => {
  it('a strict MCP server passes req from protect() to the SDK transport as it is', () => {
    const { status, output } = compile('tsconfig.server.json')
    expect(output).toBe('')
    expect(status).toBe(0)
  }, 300_000)

  it("the SDK's req.auth augmentation and ours merge (requireBearerAuth next to protect)", () => {
    const { status, output } = compile('tsconfig.sdk-middleware.json')
    expect(output).toBe('')
    expect(status).toBe(0)
  }, 300_000)
})
