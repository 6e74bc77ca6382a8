import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { DEMO_USER, type DemoClients } from './clients.js'
import { exchange } from './exchange.js'
import { field, problemsWith } from './expectation.js'
import { ScriptedOAuthClient } from './mcp-client.js'
import { bold, cyan, dim, red } from './paint.js'
import { decodeJwt, formatJson, shortenAuthorization, shortenToken } from './token-text.js'
import { Tour, TourAborted, type TourResult } from './tour.js'
import type { BrowserStep } from './user-agent.js'

export interface McpSessionSetup {
  /** The MCP endpoint of examples/mcp, also its resource identifier. */
  readonly mcpUrl: string
  readonly tokenEndpoint: string
  /** Another API the authorization server issues tokens for (the tour's files API). */
  readonly otherResource: string
  readonly clients: DemoClients
  /** The MCP client's redirect URI (nothing listens there; the scripted browser stops at it). */
  readonly redirectUrl: string
}

const AS_METADATA_FIELDS = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'registration_endpoint',
  'code_challenge_methods_supported',
]

const REGISTRATION_FIELDS = [
  'client_id',
  'client_name',
  'redirect_uris',
  'grant_types',
  'token_endpoint_auth_method',
  'scope',
]

/** A JSON body as the demo prints it: tokens shortened, discovery documents cut to what matters. */
function summarize(url: string, body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body
  const record = body as Record<string, unknown>
  if (url.includes('/.well-known/openid-configuration') || url.includes('authorization-server')) {
    return Object.fromEntries(AS_METADATA_FIELDS.map((name) => [name, record[name]]))
  }
  if (url.endsWith('/reg')) {
    return Object.fromEntries(REGISTRATION_FIELDS.map((name) => [name, record[name]]))
  }
  return Object.fromEntries(
    Object.entries(record).map(([name, value]) => [
      name,
      /token$/.test(name) && typeof value === 'string' ? shortenToken(value) : value,
    ]),
  )
}

/** The JSON-RPC method(s) of a request body, e.g. `tools/call whoami`. */
function rpcMethod(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined
  try {
    const message = JSON.parse(body) as { method?: string; params?: { name?: string } }
    if (typeof message.method !== 'string') return undefined
    return message.params?.name ? `${message.method} ${message.params.name}` : message.method
  } catch {
    return undefined
  }
}

/**
 * The MCP client's `fetch`: the real one, printing each exchange the SDK makes (discovery,
 * registration, token requests, MCP requests), and showing responses to the client.
 */
function tracingFetch(client: ScriptedOAuthClient): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
    const rpc = rpcMethod(init?.body)
    // Printed once the answer is in, so that concurrent requests do not interleave.
    const lines = [`  ${bold(`${method} ${url}`)}${rpc ? `  ${cyan(rpc)}` : ''}`]
    const authorization = new Headers(init?.headers).get('authorization')
    if (authorization) {
      lines.push(`    ${cyan('Authorization')}: ${shortenAuthorization(authorization)}`)
    }
    const response = await fetch(input, init)
    client.noteResponse(response)
    lines.push(`  ${bold(`← ${response.status} ${response.statusText}`)}`)
    const challenge = response.headers.get('www-authenticate')
    if (challenge) lines.push(`    ${cyan('WWW-Authenticate')}: ${challenge}`)
    if (!rpc && response.headers.get('content-type')?.includes('json')) {
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => undefined)
      if (body !== undefined)
        lines.push(formatJson(summarize(url, body)).replace(/^(?=.)/gm, '    '))
    }
    console.log(lines.join('\n'))
    return response
  }
}

function printBrowserStep(step: BrowserStep): void {
  const where = new URL(step.url)
  const path = `${where.pathname}${where.search ? '?…' : ''}`
  const to = step.location ? ` → ${shortenLocation(step.location)}` : ''
  console.log(dim(`    browser: ${step.method} ${path} ← ${step.status}${to}`))
  if (step.ask) console.log(`    ${cyan('page')}: ${step.ask}`)
}

function shortenLocation(location: string): string {
  const url = URL.parse(location, 'http://localhost')
  if (url?.searchParams.has('code')) return `${url.origin}${url.pathname}?code=…&state=…`
  return location.length > 80 ? `${location.slice(0, 77)}…` : location
}

/** Prints the access token's claims and checks what the client should have got. */
function checkToken(
  tour: Tour,
  token: string | undefined,
  expected: Record<string, unknown>,
  what: string,
): void {
  if (token === undefined) throw new TourAborted('the client has no access token')
  const { payload } = decodeJwt(token)
  console.log(dim('    decoded access token:'))
  console.log(`    payload ${formatJson(payload).replace(/\n/g, '\n    ')}`)
  const problems = Object.entries(expected).flatMap(([name, value]) =>
    payload[name] === value
      ? []
      : [`${name} should be ${JSON.stringify(value)}, got ${JSON.stringify(payload[name])}`],
  )
  tour.verdict(what, problems)
}

const textOf = (result: unknown): string => {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? []
  return content.map((part) => part.text ?? '').join('\n')
}

/**
 * A scripted session of the real MCP client (the SDK's `Client` and
 * `StreamableHTTPClientTransport`) against examples/mcp, with the demo's authorization server.
 */
export async function runMcpSession(setup: McpSessionSetup): Promise<TourResult> {
  const tour = new Tour()
  const authorizationUrls: URL[] = []
  const oauth = new ScriptedOAuthClient({
    redirectUrl: setup.redirectUrl,
    onAuthorizationUrl: (url) => {
      authorizationUrls.push(url)
      const shown = ['client_id', 'scope', 'resource', 'code_challenge_method']
        .map((name) => `${name}=${url.searchParams.get(name)}`)
        .join(' ')
      console.log(`  ${bold('the SDK sends the user to')} ${url.origin}${url.pathname}`)
      console.log(dim(`    ${shown}`))
    },
    onBrowserStep: printBrowserStep,
  })
  const mcpFetch = tracingFetch(oauth)
  const transportFor = (): StreamableHTTPClientTransport =>
    new StreamableHTTPClientTransport(new URL(setup.mcpUrl), {
      authProvider: oauth,
      fetch: mcpFetch,
    })
  const mcp = new Client({ name: 'scopeguard-demo', version: '1.0.0' })
  const failure = (error: unknown): unknown => error

  try {
    tour.step('a', 'An MCP client connects without a token: 401, discovery, registration, login')
    console.log(dim(`  No client id, no scope configured: everything comes from the 401.`))
    let transport = transportFor()
    const refused = await mcp.connect(transport).then(() => undefined, failure)
    tour.verdict(
      'the SDK followed the 401 to the authorization server and sent the user there',
      refused instanceof UnauthorizedError && authorizationUrls.length === 1
        ? []
        : [`expected UnauthorizedError after one authorization, got ${String(refused)}`],
    )
    const first = authorizationUrls[0]
    const clientId = oauth.clientInformation()?.client_id
    tour.verdict(
      `it registered (client ${clientId}) and asked for scope "mcp:tools" (the 401's scope) for resource ${setup.mcpUrl}, with PKCE`,
      [
        ...(clientId ? [] : ['the client did not register']),
        ...(first?.searchParams.get('scope') === 'mcp:tools'
          ? []
          : [`scope was ${JSON.stringify(first?.searchParams.get('scope'))}`]),
        ...(first?.searchParams.get('resource') === setup.mcpUrl
          ? []
          : [`resource was ${JSON.stringify(first?.searchParams.get('resource'))}`]),
        ...(first?.searchParams.get('code_challenge_method') === 'S256' ? [] : ['no S256 PKCE']),
      ],
    )

    tour.step(
      'b',
      'Back at the redirect URI with a code, the SDK exchanges it (with the PKCE verifier)',
    )
    await transport.finishAuth(oauth.takeAuthorizationCode())
    const tokens = oauth.savedTokenSet()
    checkToken(
      tour,
      tokens?.access_token,
      { aud: setup.mcpUrl, scope: 'mcp:tools', sub: DEMO_USER, client_id: clientId },
      `a JWT for ${DEMO_USER} via ${clientId}, aud = the MCP server, scope "mcp:tools"`,
    )
    tour.verdict(
      'and a refresh token',
      tokens?.refresh_token ? [] : ['the token response had no refresh_token'],
    )

    tour.step('c', 'initialize and tools/list, now with the token')
    transport = transportFor()
    await mcp.connect(transport)
    const tools = (await mcp.listTools()).tools.map((tool) => tool.name).sort()
    console.log(`  tools: ${tools.join(', ')}`)
    tour.verdict(
      'the server lists whoami and audit_log',
      tools.join(',') === 'audit_log,whoami' ? [] : [`got ${tools.join(', ')}`],
    )

    tour.step('d', 'tools/call whoami (needs mcp:tools)')
    const whoami = textOf(await mcp.callTool({ name: 'whoami' }))
    console.log(`  result: ${whoami}`)
    tour.verdict(
      'the tool saw the caller through the SDK’s AuthInfo (client id and scopes)',
      whoami === `client ${clientId}, scopes: mcp:tools` ? [] : [`got ${JSON.stringify(whoami)}`],
    )

    tour.step('e', 'tools/call audit_log (needs mcp:admin too): 403 insufficient_scope, step-up')
    const stepUp = await mcp
      .callTool({ name: 'audit_log', arguments: { limit: 5 } })
      .then(() => undefined, failure)
    const second = authorizationUrls[1]
    tour.verdict(
      'the 403 challenge sent the user back to consent to "mcp:tools mcp:admin"',
      stepUp instanceof UnauthorizedError &&
        second?.searchParams.get('scope') === 'mcp:tools mcp:admin'
        ? []
        : [
            `expected a second authorization for "mcp:tools mcp:admin", got ${String(stepUp)} and scope ${JSON.stringify(second?.searchParams.get('scope'))}`,
          ],
    )
    await transport.finishAuth(oauth.takeAuthorizationCode())
    checkToken(
      tour,
      oauth.savedTokenSet()?.access_token,
      { aud: setup.mcpUrl, scope: 'mcp:tools mcp:admin' },
      'the new token carries both scopes',
    )
    console.log(dim('  The call again, with the new token:'))
    const audit = await mcp.callTool({ name: 'audit_log', arguments: { limit: 5 } })
    const entries =
      (audit.structuredContent as { entries?: Array<{ tool: string; clientId: string }> })
        ?.entries ?? []
    console.log(`  result: ${textOf(audit)}`)
    tour.verdict(
      'audit_log answers, and lists the whoami call of (d)',
      entries.some((entry) => entry.tool === 'whoami' && entry.clientId === clientId)
        ? []
        : ['the audit log does not show the whoami call'],
    )

    tour.step('f', 'The refresh token gets a new access token, without the user')
    const before = oauth.savedTokenSet()?.access_token
    const asked = authorizationUrls.length
    const refreshed = await auth(oauth, { serverUrl: setup.mcpUrl, fetchFn: mcpFetch })
    const after = oauth.savedTokenSet()?.access_token
    tour.verdict(
      'the SDK refreshed: a new access token, and the user was not asked',
      refreshed === 'AUTHORIZED' && after !== before && authorizationUrls.length === asked
        ? []
        : [`auth() answered ${refreshed} after ${authorizationUrls.length - asked} authorizations`],
    )
    checkToken(
      tour,
      after,
      { aud: setup.mcpUrl, scope: 'mcp:tools mcp:admin', sub: DEMO_USER },
      'for the same user, resource and scopes',
    )

    tour.step('g', 'A token for another API is refused (audience, RFC 8707)')
    const { app } = setup.clients
    console.log(dim(`  ${app.id} gets a token for ${setup.otherResource}, and tries it here:`))
    const other = await exchange({
      method: 'POST',
      url: setup.tokenEndpoint,
      headers: {
        Authorization: `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`,
      },
      form: {
        grant_type: 'client_credentials',
        scope: 'files:read',
        resource: setup.otherResource,
      },
    })
    const otherToken = (other.body as Record<string, unknown> | undefined)?.['access_token']
    if (typeof otherToken !== 'string')
      throw new TourAborted('could not get a token for the other API')
    console.log(dim(`    its aud: ${JSON.stringify(decodeJwt(otherToken).payload['aud'])}`))
    const passthrough = await exchange({
      method: 'POST',
      url: setup.mcpUrl,
      headers: {
        Authorization: `Bearer ${otherToken}`,
        Accept: 'application/json, text/event-stream',
      },
      json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    })
    tour.verdict(
      'expected 401 invalid_token: the MCP server accepts only tokens minted for it',
      problemsWith(passthrough, {
        status: 401,
        error: 'invalid_token',
        body: [field('error', 'invalid_token')],
      }),
    )
  } catch (error) {
    // Whatever the SDK throws ends the session as a failed step.
    const message = error instanceof Error ? error.message : String(error)
    tour.failures.push(error instanceof TourAborted ? message : `unexpected error: ${message}`)
    console.log(`  ${red('✘')} ${message}`)
  } finally {
    await mcp.close().catch(() => undefined)
  }
  return { passed: tour.passed, failures: tour.failures }
}
