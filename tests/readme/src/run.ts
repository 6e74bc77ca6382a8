/**
 * Starts a README block marked `<!-- readme-test: run -->` as a server, in a child process.
 *
 * The block runs as written except for what the documentation leaves to the reader: the
 * placeholder issuer `https://auth.example.com` and audience `https://api.example.com` become the
 * test issuer's, and `listen(3000)` (Fastify: `listen({ port: 3000 })`) listens on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import ts from 'typescript'
import { PACKAGE_DIR } from './compile.js'
import type { CodeBlock } from './markdown.js'

/** A started block. */
export interface RunningBlock {
  readonly origin: string
  /** Everything the process printed. */
  output(): string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** The block's JavaScript with the placeholders replaced; throws when one is missing. */
export function runnable(block: CodeBlock, issuer: string, audience: string): string {
  let code = block.code
  // Fastify 5 listens with an options object: `listen({ port: 3000 })`.
  const fastifyListen = code.includes('listen({ port: 3000 })')
  const replacements: [string, string][] = [
    ["'https://auth.example.com'", JSON.stringify(issuer)],
    ["'https://api.example.com'", JSON.stringify(audience)],
    fastifyListen
      ? ['listen({ port: 3000 })', 'listen({ port: Number(process.env.PORT), host: "127.0.0.1" })']
      : ['listen(3000)', 'listen(Number(process.env.PORT), "127.0.0.1")'],
  ]
  for (const [placeholder, value] of replacements) {
    if (!code.includes(placeholder)) throw new Error(`line ${block.line}: no ${placeholder}`)
    code = code.replaceAll(placeholder, value)
  }
  return ts.transpileModule(code, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
    },
  }).outputText
}

/** Starts the block and waits until it answers HTTP (at most `attempts` polls). */
export async function runBlock(
  name: string,
  block: CodeBlock,
  issuer: string,
  audience: string,
  attempts = 200,
): Promise<RunningBlock> {
  const dir = join(PACKAGE_DIR, '.run')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${name}-${block.line}.mjs`)
  writeFileSync(file, runnable(block, issuer, audience))
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [file], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill()
    await exited
    rmSync(file, { force: true })
  }
  const origin = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (child.exitCode !== null) break
    try {
      await fetch(`${origin}/`)
      return { origin, output: () => output, stop }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  await stop()
  throw new Error(`line ${block.line} did not start:\n${output}`)
}
