import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Runs the built demo (turbo builds it, and the example API, before testing).
const demoDir = fileURLToPath(new URL('..', import.meta.url))
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/**
 * The demo as a user starts it: without the Redis servers `npm test` starts for other packages
 * (the examples refuse REDIS_URL and REDIS_CLUSTER_NODES together).
 */
function demoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' }
  delete env['REDIS_URL']
  delete env['REDIS_CLUSTER_NODES']
  return env
}

function runDemo(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: demoDir,
      env: demoEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGTERM'), 150_000)
    child.once('error', reject)
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

describe('node dist/main.js', () => {
  it('is built', () => {
    expect(existsSync(main), 'run the build first (pnpm --filter @scopeguard/demo... build)').toBe(
      true,
    )
  })

  it('--once runs the whole tour against oidc-provider and the example API', async () => {
    const { code, output } = await runDemo(['--once'])
    expect(output, output).toMatch(/all \d+ checks passed/)
    expect(code, output).toBe(0)
    expect(output).not.toContain('✘')
    expect(output).not.toContain('oidc-provider WARNING')
    expect(output).not.toContain('oidc-provider NOTICE')
    // (a) token, (b) GET /files, (f) GET /me
    expect(output).toContain('"typ":"at+jwt"')
    expect(output.match(/← 200 OK/g)?.length).toBeGreaterThanOrEqual(4)
    // (c) demo-reader: no files:write from the server, and 403 from the API
    expect(output).toContain('"error": "invalid_scope"')
    expect(output).toContain('← 403 Forbidden')
    expect(output).toMatch(/WWW-Authenticate: Bearer .*error="insufficient_scope"/)
    expect(output).toMatch(/WWW-Authenticate: Bearer .*scope="files:write"/)
    // (d) no token: 401 without an error code; (e) tampered: 401 invalid_token
    const challenges = [...output.matchAll(/← 401 Unauthorized\n\s+WWW-Authenticate: (.*)/g)]
    expect(challenges).toHaveLength(4)
    expect(challenges[0]?.[1]).toMatch(/^Bearer /)
    expect(challenges[0]?.[1]).not.toContain('error=')
    expect(challenges[0]?.[1]).toMatch(/, DPoP realm="api", algs="ES256 /)
    expect(challenges[1]?.[1]).toContain('error="invalid_token"')
    // (g) DPoP: a bound token from oidc-provider, 200 with a proof, the replay refused on the
    // DPoP challenge, the token refused as Bearer
    expect(output).toContain('"token_type": "DPoP"')
    expect(output).toMatch(/cnf: \{"jkt":"[\w-]{43}"\}/)
    expect(output).toMatch(/DPoP: eyJ\w+…\(\d+ chars\)/)
    expect(challenges[2]?.[1]).toMatch(/DPoP realm="api", error="invalid_dpop_proof"/)
    expect(challenges[3]?.[1]).toMatch(/^Bearer realm="api", error="invalid_token"/)
    // (h) the metadata document every 401 challenge names
    expect(challenges[0]?.[1]).toMatch(
      /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"/,
    )
    expect(output).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource/)
    expect(output).toMatch(/"resource": "http:\/\/127\.0\.0\.1:\d+"/)
    expect(output).toContain('"dpop_signing_alg_values_supported"')
    // tokens are shortened, never printed whole
    expect(output).toMatch(/Bearer eyJhbGciOi…\(\d+ chars\)/)
    expect(output).not.toMatch(/eyJ[\w-]{200,}/)
  }, 180_000)

  for (const adapter of ['koa', 'nestjs', 'passport', 'fastify', 'hono']) {
    it(`--once --adapter ${adapter} passes the same tour against examples/${adapter}`, async () => {
      const { code, output } = await runDemo(['--once', '--adapter', adapter])
      expect(output, output).toMatch(/all \d+ checks passed/)
      expect(code, output).toBe(0)
      expect(output).toContain(`examples/${adapter}`)
      expect(output).toMatch(/WWW-Authenticate: Bearer .*error="insufficient_scope"/)
      expect(output).not.toContain('✘')
    }, 180_000)
  }

  it('--mcp --once runs the scripted session of the MCP SDK client against examples/mcp', async () => {
    const { code, output } = await runDemo(['--mcp', '--once'])
    expect(output, output).toMatch(/all \d+ checks passed/)
    expect(code, output).toBe(0)
    expect(output).not.toContain('✘')
    expect(output).not.toContain('oidc-provider WARNING')
    expect(output).not.toContain('oidc-provider NOTICE')
    expect(output).toContain('examples/mcp')
    // (a) the 401 names the metadata (path-inserted) and the scope; discovery, registration, login
    expect(output).toMatch(
      /← 401 Unauthorized\n\s+WWW-Authenticate: Bearer .*resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    )
    expect(output).toMatch(/WWW-Authenticate: Bearer [^\n]*scope="mcp:tools"/)
    expect(output).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp\n\s+← 200/,
    )
    expect(output).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/reg\n\s+← 201 Created/)
    expect(output).toContain('page: Sign in as demo-user')
    expect(output).toMatch(/asks demo-user for mcp:tools at http:\/\/127\.0\.0\.1:\d+\/mcp\./)
    // (b)-(d) the token, initialize, tools
    expect(output).toMatch(/"scope": "mcp:tools",\n/)
    expect(output).toContain('initialize')
    expect(output).toContain('tools: audit_log, whoami')
    // (e) step-up: 403 naming both scopes, consent to mcp:admin only, then the call succeeds
    expect(output).toMatch(
      /← 403 Forbidden\n\s+WWW-Authenticate: Bearer [^\n]*error="insufficient_scope"[^\n]*scope="mcp:tools mcp:admin"/,
    )
    expect(output).toMatch(/asks demo-user for mcp:admin at /)
    expect(output).toContain('"scope": "mcp:tools mcp:admin"')
    // (g) a token for another API: 401 invalid_token
    expect(output).toMatch(/WWW-Authenticate: Bearer [^\n]*error="invalid_token"/)
    expect(output).toContain('not meant for this resource server')
    // tokens are shortened, never printed whole
    expect(output).toMatch(/Bearer eyJhbGciOi…\(\d+ chars\)/)
    expect(output).not.toMatch(/eyJ[\w-]{200,}/)
  }, 180_000)

  it('rejects unknown flags with the usage text', async () => {
    const { code, output } = await runDemo(['--bogus'])
    expect(code).toBe(2)
    expect(output).toContain('unknown argument: --bogus')
    expect(output).toContain('usage: node demo/dist/main.js')
  })
})
