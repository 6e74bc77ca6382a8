/**
 * Reads the parts of a README that the tests check: its TypeScript code blocks, with the
 * `readme-test` directive written before each, and its tables.
 *
 * The directive is an HTML comment on the last non-blank line before the opening fence:
 *
 * - none: the block is compiled (with the README's prelude, see `preludes/`);
 * - `<!-- readme-test: run -->`: compiled, then started as a server and probed;
 * - `<!-- readme-test: skip (reason) -->`: not compiled; the reason is required.
 */

/** What to do with a code block. */
export type Directive = { kind: 'compile' } | { kind: 'run' } | { kind: 'skip'; reason: string }

/** A fenced ```ts or ```typescript block of a README. */
export interface CodeBlock {
  /** 1-based line of the first line of code (the line after the opening fence). */
  readonly line: number
  readonly code: string
  readonly directive: Directive
}

/** A Markdown table: header cells and body rows, with the line of each row. */
export interface Table {
  /** The nearest heading above the table. */
  readonly heading: string
  readonly header: readonly string[]
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[]
}

const FENCE = /^(\s*)(`{3,})\s*([\w-]*)\s*$/
const DIRECTIVE = /^\s*<!--\s*readme-test:\s*(.*?)\s*-->\s*$/

/** Parses a directive comment's text (`run`, `skip (reason)`); throws on anything else. */
export function parseDirective(text: string, where: string): Directive {
  if (text === 'run') return { kind: 'run' }
  const skip = /^skip\s*\((.*)\)$/.exec(text)
  const reason = skip?.[1]?.trim()
  if (reason) return { kind: 'skip', reason }
  throw new Error(
    `${where}: readme-test directive must be "run" or "skip (reason)", got ${JSON.stringify(text)}`,
  )
}

/** The TypeScript blocks of a README, in order. A directive before another fence is an error. */
export function codeBlocks(markdown: string, file = 'README.md'): CodeBlock[] {
  const lines = markdown.split('\n')
  const blocks: CodeBlock[] = []
  let pending: { directive: Directive; line: number } | undefined
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] ?? ''
    const directive = DIRECTIVE.exec(text)
    if (directive) {
      pending = {
        directive: parseDirective(directive[1] ?? '', `${file}:${index + 1}`),
        line: index + 1,
      }
      continue
    }
    const fence = FENCE.exec(text)
    if (!fence) {
      if (text.trim() !== '' && pending) {
        throw new Error(
          `${file}:${pending.line}: readme-test directive is not followed by a code block`,
        )
      }
      continue
    }
    const indent = fence[1]?.length ?? 0
    const marker = fence[2] ?? '```'
    const language = fence[3] ?? ''
    let end = index + 1
    while (end < lines.length && !(lines[end] ?? '').trim().startsWith(marker)) end++
    if (language === 'ts' || language === 'typescript') {
      const code = lines
        .slice(index + 1, end)
        .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
        .join('\n')
      blocks.push({ line: index + 2, code, directive: pending?.directive ?? { kind: 'compile' } })
    } else if (pending) {
      throw new Error(`${file}:${pending.line}: readme-test directive before a ${language} block`)
    }
    pending = undefined
    index = end
  }
  return blocks
}

/** Splits a table row into trimmed cells; `\|` stays inside a cell. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll('\\|', '|'))
}

/** The tables of a README outside code blocks. */
export function tables(markdown: string): Table[] {
  const lines = markdown.split('\n')
  const found: Table[] = []
  let heading = ''
  let inFence = false
  for (let index = 0; index < lines.length; index++) {
    const text = lines[index] ?? ''
    if (FENCE.test(text)) inFence = !inFence
    if (inFence) continue
    if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, '')
    const separator = lines[index + 1] ?? ''
    if (!text.trimStart().startsWith('|') || !/^\s*\|[\s:|-]+\|\s*$/.test(separator)) continue
    const rows: { line: number; cells: string[] }[] = []
    let row = index + 2
    while (row < lines.length && (lines[row] ?? '').trimStart().startsWith('|')) {
      rows.push({ line: row + 1, cells: cells(lines[row] ?? '') })
      row++
    }
    found.push({ heading, header: cells(text), rows })
    index = row - 1
  }
  return found
}

/** The text of a cell without its surrounding backquotes. */
export function unquote(cell: string): string {
  return /^`[^`]*`$/.test(cell) ? cell.slice(1, -1) : cell
}
