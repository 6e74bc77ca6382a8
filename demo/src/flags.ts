/** The example servers the tour can run against (examples/<adapter>). */
export const ADAPTERS = ['express', 'koa', 'nestjs', 'passport', 'fastify', 'hono'] as const
export type Adapter = (typeof ADAPTERS)[number]

export interface Flags {
  /** Which example API to start. */
  readonly adapter: Adapter
  /** Run the MCP session against examples/mcp instead of the tour. */
  readonly mcp: boolean
  /** Run the tour once and exit (0 when every check passed). */
  readonly once: boolean
  /** Authorization server port; 0 picks a free one. */
  readonly asPort: number
  /** Example API port; 0 picks a free one. */
  readonly apiPort: number
  readonly help: boolean
}

export const USAGE = `usage: node demo/dist/main.js [--once] [--adapter NAME | --mcp] [--port-as N] [--port-api N]

  --once          run the scripted tour, then exit (0 if every check passed, 1 otherwise)
  --adapter NAME  which example API to run: ${ADAPTERS.join(', ')} (default: express)
  --mcp           run examples/mcp and a scripted session of the MCP SDK's client instead
                  (registration, login and consent, step-up, refresh, a token for another API)
  --port-as N     port for the embedded authorization server (default: a free port)
  --port-api N    port for the example API or MCP server (default: a free port)
  -h, --help      show this help`

export class FlagError extends Error {
  override name = 'FlagError'
}

function parsePort(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) {
    throw new FlagError(`${flag} needs a port number (0-65535), got ${value ?? 'nothing'}`)
  }
  return Number(value)
}

/** Parses `--flag value` and `--flag=value` forms; unknown flags are an error. */
export function parseFlags(argv: readonly string[]): Flags {
  let flags: Flags = {
    adapter: 'express',
    mcp: false,
    once: false,
    asPort: 0,
    apiPort: 0,
    help: false,
  }
  let adapterGiven = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const name = eq < 0 ? arg : arg.slice(0, eq)
    const value = (): string | undefined => (eq < 0 ? argv[++i] : arg.slice(eq + 1))
    switch (name) {
      case '--once':
        if (eq >= 0) throw new FlagError('--once takes no value')
        flags = { ...flags, once: true }
        break
      case '--adapter': {
        const adapter = value()
        if (!ADAPTERS.includes(adapter as Adapter)) {
          throw new FlagError(
            `--adapter needs one of ${ADAPTERS.join(', ')}, got ${adapter ?? 'nothing'}`,
          )
        }
        flags = { ...flags, adapter: adapter as Adapter }
        adapterGiven = true
        break
      }
      case '--mcp':
        if (eq >= 0) throw new FlagError('--mcp takes no value')
        flags = { ...flags, mcp: true }
        break
      case '--port-as':
        flags = { ...flags, asPort: parsePort(name, value()) }
        break
      case '--port-api':
        flags = { ...flags, apiPort: parsePort(name, value()) }
        break
      case '-h':
      case '--help':
        flags = { ...flags, help: true }
        break
      default:
        throw new FlagError(`unknown argument: ${arg}`)
    }
  }
  if (flags.mcp && adapterGiven) {
    throw new FlagError('--mcp runs examples/mcp: leave out --adapter')
  }
  if (flags.asPort !== 0 && flags.asPort === flags.apiPort) {
    throw new FlagError('--port-as and --port-api must differ')
  }
  return flags
}
