import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { tableCells } from './public-table.js'

describe('README', () => {
  it('shows the route table that route-semantics.ts runs', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const table = /<!-- route-table:start -->([\s\S]*?)<!-- route-table:end -->/.exec(readme)?.[1]
    expect(table).toBeDefined()
    const rows = (table ?? '')
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .slice(2) // the header and the delimiter row
      .map((line) =>
        line
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      )
    expect(rows).toEqual(tableCells())
  })
})
