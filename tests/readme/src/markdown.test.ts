import { describe, expect, it } from 'vitest'
import { codeBlocks, tables } from './markdown.js'

const fence = '```'

describe('codeBlocks', () => {
  it('reads ts blocks, their first line and the directive before them', () => {
    const markdown = [
      '# Title',
      `${fence}ts`,
      'a()',
      fence,
      '<!-- readme-test: skip (pseudo-code) -->',
      '',
      `${fence}typescript`,
      'b()',
      fence,
      '<!-- readme-test: run -->',
      `${fence}ts`,
      'c()',
      fence,
      `${fence}sh`,
      'npm test',
      fence,
      '- item',
      '',
      `  ${fence}ts`,
      '  d()',
      `  ${fence}`,
    ].join('\n')
    expect(codeBlocks(markdown)).toEqual([
      { line: 3, code: 'a()', directive: { kind: 'compile' } },
      { line: 8, code: 'b()', directive: { kind: 'skip', reason: 'pseudo-code' } },
      { line: 12, code: 'c()', directive: { kind: 'run' } },
      { line: 20, code: 'd()', directive: { kind: 'compile' } },
    ])
  })

  it('refuses a skip without a reason, and a directive before prose', () => {
    expect(() => codeBlocks(`<!-- readme-test: skip -->\n${fence}ts\nx\n${fence}`)).toThrow(
      /must be "run" or "skip \(reason\)"/,
    )
    expect(() => codeBlocks('<!-- readme-test: run -->\nsome text')).toThrow(
      /not followed by a code block/,
    )
  })
})

describe('tables', () => {
  it('reads header, rows and the heading above, outside code blocks', () => {
    const markdown = [
      '## Errors',
      '| request | status |',
      '| --- | --- |',
      '| no token | 401 |',
      '| `a \\| b` | 400 |',
      '',
      `${fence}md`,
      '| x | y |',
      '| - | - |',
      fence,
    ].join('\n')
    expect(tables(markdown)).toEqual([
      {
        heading: 'Errors',
        header: ['request', 'status'],
        rows: [
          { line: 4, cells: ['no token', '401'] },
          { line: 5, cells: ['`a | b`', '400'] },
        ],
      },
    ])
  })
})
