#!/usr/bin/env node
import { startAuthorizationServer, type AuthorizationServer } from './authorization-server.js'
import { createDemoClients, MCP_SCOPES, type DemoClients } from './clients.js'
import { curlCommands } from './curl.js'
import { ExampleApiError, startExampleApi, type ExampleApi } from './example-process.js'
import { FlagError, parseFlags, USAGE, type Flags } from './flags.js'
import { bold, cyan, dim, green, red } from './paint.js'
import { runMcpSession } from './mcp-session.js'
import { freePort } from './ports.js'
import { runTour, type TourResult } from './tour.js'

let authorizationServer: AuthorizationServer | undefined
let exampleApi: ExampleApi | undefined
let shuttingDown = false

/** Stops the child process and closes the authorization server, then exits. */
async function shutdown(code: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true
    await exampleApi?.stop().catch(() => undefined)
    await authorizationServer?.close().catch(() => undefined)
  }
  process.exit(code)
}

function fail(message: string, detail?: string): Promise<never> {
  console.error(`\n${red('✘')} ${bold(message)}`)
  if (detail) console.error(detail.replace(/^(?=.)/gm, '    '))
  return shutdown(1)
}

function printSetup(clients: DemoClients, issuer: string, apiUrl: string, adapter: string): void {
  console.log(bold('scopeguard demo'))
  console.log(`  authorization server (oidc-provider, in-process)  ${cyan(issuer)}`)
  console.log(
    `  example API (examples/${adapter}, child process)${' '.repeat(Math.max(1, 13 - adapter.length))}${cyan(apiUrl)}`,
  )
  for (const client of [clients.app, clients.reader]) {
    console.log(
      `  client ${bold(client.id)}  secret ${client.secret}  scopes: ${client.scopes.join(' ')}`,
    )
  }
}

async function run(flags: Flags): Promise<void> {
  const clients = createDemoClients()
  const apiPort = flags.apiPort || (await freePort())
  const audience = `http://127.0.0.1:${apiPort}`
  authorizationServer = await startAuthorizationServer({ port: flags.asPort, audience, clients })
  const { issuer, tokenEndpoint } = authorizationServer
  exampleApi = await startExampleApi({ adapter: flags.adapter, port: apiPort, issuer, audience })
  const apiUrl = exampleApi.url
  exampleApi.child.once('exit', (code, signal) => {
    if (!shuttingDown)
      void fail(`the example API exited unexpectedly (${code ?? signal})`, exampleApi?.output())
  })
  printSetup(clients, issuer, apiUrl, flags.adapter)

  const result = await runTour({ tokenEndpoint, apiUrl, audience, clients })
  const total = result.passed + result.failures.length
  if (result.failures.length > 0) {
    const list = result.failures.map((f) => `- ${f}`).join('\n')
    const output = exampleApi.output()
    await fail(
      `${result.failures.length} of ${total} checks failed`,
      output ? `${list}\n\nexample API log:\n${output}` : list,
    )
  }
  console.log(`\n${green('✔')} ${bold(`all ${total} checks passed`)}`)
  if (flags.once) return shutdown(0)

  console.log(`\n${bold('Try it yourself')} ${dim('(both servers keep running until Ctrl-C):')}\n`)
  console.log(curlCommands({ tokenEndpoint, apiUrl, audience, clients }).join('\n'))
  console.log(dim('\nexample API log:'))
  exampleApi.child.stdout?.on('data', (chunk: Buffer) =>
    process.stdout.write(dim(chunk.toString())),
  )
  exampleApi.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
}

/** Exits 1 listing the failed checks, or prints that all passed. */
async function report(result: TourResult, api: ExampleApi): Promise<void> {
  const total = result.passed + result.failures.length
  if (result.failures.length > 0) {
    const list = result.failures.map((f) => `- ${f}`).join('\n')
    const output = api.output()
    await fail(
      `${result.failures.length} of ${total} checks failed`,
      output ? `${list}\n\nexample API log:\n${output}` : list,
    )
  }
  console.log(`\n${green('✔')} ${bold(`all ${total} checks passed`)}`)
}

/** `--mcp`: the authorization server, examples/mcp, and a session of the real MCP client. */
async function runMcp(flags: Flags): Promise<void> {
  const clients = createDemoClients()
  const mcpPort = flags.apiPort || (await freePort())
  const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`
  // The tour's files API: not started, but the authorization server issues tokens for it, which
  // the session shows the MCP server refusing.
  const otherResource = `http://127.0.0.1:${await freePort()}`
  authorizationServer = await startAuthorizationServer({
    port: flags.asPort,
    audience: otherResource,
    clients,
    resources: [{ resource: mcpUrl, scopes: MCP_SCOPES }],
  })
  const { issuer, tokenEndpoint } = authorizationServer
  exampleApi = await startExampleApi({ adapter: 'mcp', port: mcpPort, issuer, audience: mcpUrl })
  exampleApi.child.once('exit', (code, signal) => {
    if (!shuttingDown)
      void fail(`the MCP server exited unexpectedly (${code ?? signal})`, exampleApi?.output())
  })
  console.log(bold('scopeguard demo: an MCP server and the MCP SDK’s client'))
  console.log(`  authorization server (oidc-provider, in-process)  ${cyan(issuer)}`)
  console.log(`  MCP server (examples/mcp, child process)          ${cyan(mcpUrl)}`)
  console.log(`  scopes: ${MCP_SCOPES.join(' ')}; the login page signs in demo-user (no password)`)

  const redirectUrl = `http://127.0.0.1:${await freePort()}/callback`
  await report(
    await runMcpSession({ mcpUrl, tokenEndpoint, otherResource, clients, redirectUrl }),
    exampleApi,
  )
  if (flags.once) return shutdown(0)

  console.log(`\n${bold('Try it yourself')} ${dim('(both servers keep running until Ctrl-C):')}\n`)
  console.log(
    `  Point an MCP client of your own at ${cyan(mcpUrl)}: it can register itself, and the`,
  )
  console.log(`  login and consent pages of ${cyan(issuer)} work in a browser (user demo-user).`)
  console.log(dim('\nMCP server log:'))
  exampleApi.child.stdout?.on('data', (chunk: Buffer) =>
    process.stdout.write(dim(chunk.toString())),
  )
  exampleApi.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
}

function main(): void {
  let flags: Flags
  try {
    flags = parseFlags(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof FlagError)) throw error
    console.error(`${error.message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (flags.help) {
    console.log(USAGE)
    return
  }
  // Ctrl-C while waiting for curl experiments is the normal way to stop: exit 0.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown(0))
  process.on('uncaughtException', (error) => void fail('unexpected error', error.stack))
  process.on('unhandledRejection', (error) => void fail('unexpected error', String(error)))
  // Last resort, should the process exit some other way: never leave the child behind.
  process.on('exit', () => exampleApi?.child.kill('SIGKILL'))

  const start = flags.mcp ? runMcp : run
  start(flags).catch((error: unknown) => {
    if (error instanceof ExampleApiError) return fail(error.message, error.output)
    // System errors (EADDRINUSE, ...) speak for themselves; anything else gets its stack.
    const stack = error instanceof Error && !('code' in error) ? error.stack : undefined
    return fail(error instanceof Error ? error.message : String(error), stack)
  })
}

main()
