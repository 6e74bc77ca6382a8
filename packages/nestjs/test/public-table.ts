// The outcome of every combination of guards, @Public() marking and requirements: the table of
// the README ("Which guards check a route"), which route-semantics.ts runs and readme.test.ts
// compares with the README.

/** Which scopeguard guards apply to the route. */
export type GuardSetup = 'global' | 'explicit' | 'both'
/** The route's `@Public()` marking. */
export type Marking = 'none' | 'public' | 'public-global' | 'public-mcp'
/**
 * Who gets through: anyone; a token for the API's audience (the global guard's resource server);
 * a token for the MCP audience (McpGuard's); nobody, as each guard wants its own audience; or a
 * configuration error at bootstrap.
 */
export type Outcome = 'anyone' | 'api' | 'mcp' | 'nobody' | 'error'

export interface TableRow {
  guards: GuardSetup
  marking: Marking
  /** Outcome when the route carries no requirement. */
  plain: Outcome
  /** Outcome when it requires a scope (from the class, the handler or a base class). */
  required: Outcome
  /** For `required: 'error'`: what the guards do if the bootstrap check was bypassed. */
  bypassed?: Exclude<Outcome, 'error' | 'anyone'>
}

export const TABLE: readonly TableRow[] = [
  { guards: 'global', marking: 'none', plain: 'api', required: 'api' },
  { guards: 'global', marking: 'public', plain: 'anyone', required: 'error', bypassed: 'api' },
  {
    guards: 'global',
    marking: 'public-global',
    plain: 'anyone',
    required: 'error',
    bypassed: 'api',
  },
  { guards: 'global', marking: 'public-mcp', plain: 'api', required: 'error', bypassed: 'api' },
  { guards: 'explicit', marking: 'none', plain: 'mcp', required: 'mcp' },
  { guards: 'explicit', marking: 'public', plain: 'mcp', required: 'mcp' },
  { guards: 'explicit', marking: 'public-global', plain: 'mcp', required: 'mcp' },
  {
    guards: 'explicit',
    marking: 'public-mcp',
    plain: 'anyone',
    required: 'error',
    bypassed: 'mcp',
  },
  { guards: 'both', marking: 'none', plain: 'nobody', required: 'nobody' },
  { guards: 'both', marking: 'public', plain: 'mcp', required: 'mcp' },
  { guards: 'both', marking: 'public-global', plain: 'mcp', required: 'mcp' },
  { guards: 'both', marking: 'public-mcp', plain: 'api', required: 'error', bypassed: 'nobody' },
]

const GUARD_LABELS: Record<GuardSetup, string> = {
  global: 'global guard',
  explicit: '`@UseGuards(McpGuard)`',
  both: 'both',
}
const MARKING_LABELS: Record<Marking, string> = {
  none: '—',
  public: '`@Public()`',
  'public-global': '`@Public(ScopeguardGuard)`',
  'public-mcp': '`@Public(McpGuard)`',
}
const OUTCOME_LABELS: Record<Outcome, string> = {
  anyone: 'anyone, no token needed',
  api: 'API token',
  mcp: 'MCP token',
  nobody: 'nobody',
  error: 'bootstrap error',
}

/** The cells of the README table's rows, in order. */
export function tableCells(): string[][] {
  return TABLE.map((row) => [
    GUARD_LABELS[row.guards],
    MARKING_LABELS[row.marking],
    OUTCOME_LABELS[row.plain],
    row.required === 'error'
      ? `${OUTCOME_LABELS.error} (bypassed: ${OUTCOME_LABELS[row.bypassed ?? 'nobody']})`
      : OUTCOME_LABELS[row.required],
  ])
}
