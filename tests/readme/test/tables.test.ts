// Every README table that documents responses (a `WWW-Authenticate` column) is checked row by row
// against real Express servers: the row's requests are sent, and the status, the challenge (parsed
// with the core's parseChallenges), the body's `error` and `Cache-Control: no-store` must match.
import { parseChallenges } from '@scopeguard/core/primitives'
import { rawRequest, type RawResponse } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { challengeMismatch } from '../src/challenges.js'
import { tables, unquote, type Table } from '../src/markdown.js'
import { readmes } from '../src/readmes.js'
import { SCENARIOS, type Probe } from '../src/scenarios.js'
import { startServers, type Servers } from '../src/servers.js'

/** A response table: its columns located by header. */
interface ResponseTable {
  readonly path: string
  readonly table: Table
  readonly status: number
  readonly challenge: number
  readonly body: number
}

function responseTables(): ResponseTable[] {
  return readmes().flatMap((readme) =>
    tables(readme.text).flatMap((table) => {
      const header = table.header.map((cell) => unquote(cell).toLowerCase())
      const challenge = header.indexOf('www-authenticate')
      const status = header.indexOf('status')
      if (challenge < 0 || status < 0 || header[0] !== 'request') return []
      return [{ path: readme.path, table, status, challenge, body: header.indexOf('body') }]
    }),
  )
}

const found = responseTables()

let servers: Servers
beforeAll(async () => {
  servers = await startServers()
})
afterAll(() => servers?.close())

async function send(probe: Probe): Promise<RawResponse> {
  const origin = servers.servers[probe.server].origin
  const request = { method: probe.method, path: probe.path, headers: probe.headers }
  if (probe.sendTwice) await rawRequest(origin, request)
  return rawRequest(origin, request)
}

it('finds the response tables of the root README and of every adapter', () => {
  const where = found.map((entry) => `${entry.path} (${entry.table.heading})`)
  console.log(`response tables:\n  ${where.join('\n  ')}`)
  for (const path of [
    'README.md',
    'packages/express/README.md',
    'packages/fastify/README.md',
    'packages/koa/README.md',
    'packages/nestjs/README.md',
    'packages/passport/README.md',
  ]) {
    expect(found.map((entry) => entry.path)).toContain(path)
  }
})

describe.each(found.map((entry) => [`${entry.path} (${entry.table.heading})`, entry] as const))(
  '%s',
  (_name, entry) => {
    it.each(entry.table.rows.map((row) => [`line ${row.line}: ${row.cells[0]}`, row] as const))(
      '%s',
      async (_row, row) => {
        const scenario = SCENARIOS.get(row.cells[0] ?? '')
        expect(scenario, `no requests for this row: add it to src/scenarios.ts`).toBeDefined()
        const probes = await scenario!(servers.issuer, (kind) => servers.servers[kind].origin)
        const status = Number(row.cells[entry.status])
        const challenge = row.cells[entry.challenge] ?? ''
        const body = /"error":"([^"]+)"/.exec(row.cells[entry.body] ?? '')?.[1]
        for (const probe of probes) {
          const response = await send(probe)
          const where = `${entry.path}:${row.line} (${probe.label})`
          expect(response.status, where).toBe(status)
          const header = response.headers['www-authenticate']?.join(', ') ?? null
          expect(challengeMismatch(challenge, header), where).toBeUndefined()
          expect(response.headers['cache-control'], where).toEqual(['no-store'])
          const json = JSON.parse(response.body) as Record<string, unknown>
          expect(Object.keys(json).sort(), where).toEqual(['error', 'error_description'])
          if (body !== undefined) expect(json.error, where).toBe(body)
          if (header !== null) {
            // the error code of the answer is the one its challenge names, where it names one
            const named = parseChallenges(header).find((c) => c.params.error)?.params.error
            if (named) expect(json.error, where).toBe(named)
          }
        }
      },
    )
  },
)

describe('the table check', () => {
  it('tells a stale challenge from a current one', () => {
    const current = 'Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA"'
    expect(challengeMismatch('`Bearer realm="api"`', current)).toMatch(/schemes and parameters/)
    expect(challengeMismatch('`Bearer realm="api", DPoP realm="api", algs="…"`', current)).toBe(
      undefined,
    )
    expect(
      challengeMismatch('`Bearer realm="api", DPoP realm="api", algs="RS256 …"`', current),
    ).toMatch(/algs/)
    expect(challengeMismatch('none', current)).toMatch(/documented no/)
    expect(
      challengeMismatch('`…, error="invalid_token"`', 'Bearer realm="api", error="invalid_token"'),
    ).toBe(undefined)
  })
})
