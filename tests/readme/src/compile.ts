/**
 * Type-checks README code blocks with the TypeScript compiler under `strict`, against the
 * workspace packages as an application would import them (module NodeNext).
 *
 * Each block is a module of its own, so its declarations shadow the README's prelude, which
 * declares the identifiers fragments use without defining (`app`, `rs`, `issuer`, …) as globals.
 * A block that augments a module (`declare module`) changes types for every file of a program,
 * so it is checked in a program of its own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import type { CodeBlock } from './markdown.js'

/** The package folder: module resolution of the blocks starts here. */
export const PACKAGE_DIR = new URL('..', import.meta.url).pathname.replace(/\/$/, '')

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  experimentalDecorators: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
}

/** A compiler error, located in the README. */
export interface BlockError {
  /** 1-based README line. */
  readonly line: number
  readonly message: string
}

const cache = new Map<string, ts.SourceFile | undefined>()

/** A host serving `files` from memory and every other file from disk (cached across programs). */
function host(files: ReadonlyMap<string, string>): ts.CompilerHost {
  const base = ts.createCompilerHost(OPTIONS, true)
  return {
    ...base,
    fileExists: (name) => files.has(name) || base.fileExists(name),
    directoryExists: (name) =>
      [...files.keys()].some((file) => file.startsWith(`${name}/`)) ||
      (base.directoryExists?.(name) ?? true),
    readFile: (name) => files.get(name) ?? base.readFile(name),
    getSourceFile(name, language) {
      const text = files.get(name)
      if (text !== undefined) return ts.createSourceFile(name, text, language, true)
      if (!cache.has(name)) cache.set(name, base.getSourceFile(name, language))
      return cache.get(name)
    },
  }
}

/** The path of the prelude of a README (`preludes/<name>.ts`), if there is one. */
export function preludePath(name: string): string | undefined {
  const path = join(PACKAGE_DIR, 'preludes', `${name}.ts`)
  return existsSync(path) ? path : undefined
}

/**
 * The module a block is checked as: its code with each elided body `{ … }` empty, made a module
 * (so that top-level await works and its names shadow the prelude's globals).
 */
export function blockModule(block: CodeBlock): string {
  return `${block.code.replaceAll('{ … }', '{}')}\nexport {}\n`
}

/** Modules of the reader's own that a README's blocks import (`preludes/<name>/*.ts`). */
function preludeModules(name: string): Map<string, string> {
  const dir = join(PACKAGE_DIR, 'preludes', name)
  const modules = new Map<string, string>()
  if (!existsSync(dir)) return modules
  for (const file of readdirSync(dir)) {
    modules.set(join(PACKAGE_DIR, '.blocks', name, file), readFileSync(join(dir, file), 'utf8'))
  }
  return modules
}

/** Checks one group of blocks in one program; returns the errors located in the README. */
function check(name: string, blocks: readonly CodeBlock[]): BlockError[] {
  const files = new Map<string, CodeBlock>()
  for (const block of blocks) {
    files.set(join(PACKAGE_DIR, '.blocks', name, `line-${block.line}.ts`), block)
  }
  const texts = new Map([...files].map(([path, block]) => [path, blockModule(block)]))
  for (const [path, text] of preludeModules(name)) texts.set(path, text)
  const prelude = preludePath(name)
  const roots = [...texts.keys(), ...(prelude ? [prelude] : [])]
  const program = ts.createProgram(roots, OPTIONS, host(texts))
  const errors: BlockError[] = []
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
    const file = diagnostic.file
    const block = file && files.get(file.fileName)
    if (!file || !block || diagnostic.start === undefined) {
      errors.push({ line: 0, message: `${file?.fileName ?? 'options'}: ${message}` })
      continue
    }
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start)
    errors.push({ line: block.line + line, message })
  }
  return errors
}

/** Type-checks the blocks of one README (name: its prelude's name); returns every error. */
export function compileBlocks(name: string, blocks: readonly CodeBlock[]): BlockError[] {
  const augmenting = (block: CodeBlock): boolean => /^\s*declare module /m.test(block.code)
  const shared = blocks.filter((block) => !augmenting(block))
  const groups = [shared, ...blocks.filter(augmenting).map((block) => [block])]
  return groups
    .filter((group) => group.length > 0)
    .flatMap((group) => check(name, group))
    .sort((a, b) => a.line - b.line)
}
