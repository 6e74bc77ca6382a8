import * as dpop from 'dpop'
import type { DemoClient, DemoClients } from './clients.js'
import { exchange, type DemoRequest, type DemoResponse } from './exchange.js'
import { describe, field, problemsWith, type Expectation } from './expectation.js'
import { parseChallenge } from './challenge.js'
import { bold, dim, green, red, yellow } from './paint.js'
import { decodeJwt, formatJson, tamperSignature } from './token-text.js'

export interface TourSetup {
  readonly tokenEndpoint: string
  readonly apiUrl: string
  readonly audience: string
  readonly clients: DemoClients
}

export interface TourResult {
  readonly passed: number
  readonly failures: readonly string[]
}

export class TourAborted extends Error {}

/** Prints numbered steps and records each check (also used by the MCP session). */
export class Tour {
  passed = 0
  readonly failures: string[] = []
  private label = ''

  step(label: string, title: string): void {
    this.label = label
    console.log(`\n${bold(yellow(`(${label})`))} ${bold(title)}`)
  }

  /** Records one check: ✔ when there are no problems, ✘ with the problems otherwise. */
  verdict(what: string, problems: readonly string[]): boolean {
    if (problems.length === 0) {
      this.passed++
      console.log(`  ${green('✔')} ${what}`)
      return true
    }
    this.failures.push(`(${this.label}) ${what}: ${problems.join('; ')}`)
    console.log(`  ${red('✘')} ${what}`)
    for (const problem of problems) console.log(`      ${red(problem)}`)
    return false
  }

  async send(request: DemoRequest, expected: Expectation, what?: string): Promise<DemoResponse> {
    const response = await exchange(request)
    this.verdict(what ?? `expected ${describe(expected)}`, problemsWith(response, expected))
    return response
  }
}

const basic = (client: DemoClient): string =>
  `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`

const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` })

function tokenRequest(setup: TourSetup, client: DemoClient, scope: string): DemoRequest {
  return {
    method: 'POST',
    url: setup.tokenEndpoint,
    headers: { Authorization: basic(client) },
    form: { grant_type: 'client_credentials', scope, resource: setup.audience },
  }
}

/** Gets a client_credentials token, prints its decoded claims and checks them. */
async function getToken(tour: Tour, setup: TourSetup, client: DemoClient, scope: string) {
  const response = await tour.send(tokenRequest(setup, client, scope), {
    status: 200,
    body: [field('token_type', 'Bearer')],
  })
  const body = response.body as Record<string, unknown> | undefined
  const token = body?.['access_token']
  if (response.status !== 200 || typeof token !== 'string') {
    throw new TourAborted(`could not get a token for ${client.id}; the tour cannot go on`)
  }
  const { header, payload } = decodeJwt(token)
  console.log(dim('    decoded access token (the signature is not shown):'))
  console.log(`    header  ${JSON.stringify(header)}`)
  console.log(`    payload ${formatJson(payload).replace(/\n/g, '\n    ')}`)
  const problems: string[] = []
  const want = (name: string, actual: unknown, value: unknown): void => {
    if (actual !== value)
      problems.push(`${name} should be ${JSON.stringify(value)}, got ${JSON.stringify(actual)}`)
  }
  want('typ', header['typ'], 'at+jwt')
  want('aud', payload['aud'], setup.audience)
  want('scope', payload['scope'], scope)
  want('sub', payload['sub'], client.id)
  want('client_id', payload['client_id'], client.id)
  tour.verdict(
    `a JWT access token (typ at+jwt) for ${client.id}, aud = the API, scope "${scope}"`,
    problems,
  )
  return token
}

/**
 * Gets a DPoP-bound token (RFC 9449 §5): the token request carries a proof for the token endpoint,
 * and the authorization server binds the token to the proof key (`cnf.jkt`).
 */
async function getDpopToken(
  tour: Tour,
  setup: TourSetup,
  client: DemoClient,
  key: dpop.KeyPair,
): Promise<string> {
  const request = tokenRequest(setup, client, 'files:read')
  const proof = await dpop.generateProof(key, setup.tokenEndpoint, 'POST')
  const response = await tour.send(
    { ...request, headers: { ...request.headers, DPoP: proof } },
    { status: 200, body: [field('token_type', 'DPoP')] },
  )
  const token = (response.body as Record<string, unknown> | undefined)?.['access_token']
  if (response.status !== 200 || typeof token !== 'string') {
    throw new TourAborted(`could not get a DPoP-bound token for ${client.id}`)
  }
  const { payload } = decodeJwt(token)
  const thumbprint = await dpop.calculateThumbprint(key.publicKey)
  console.log(dim(`    cnf: ${JSON.stringify(payload['cnf'])}`))
  const cnf = payload['cnf'] as Record<string, unknown> | undefined
  tour.verdict(
    'the token is bound to the proof key: cnf.jkt is its RFC 7638 thumbprint',
    cnf?.['jkt'] === thumbprint ? [] : [`cnf.jkt should be ${thumbprint}`],
  )
  return token
}

/** The scripted walk through the example API's RFC 6750 behaviour. */
export async function runTour(setup: TourSetup): Promise<TourResult> {
  const tour = new Tour()
  const { app, reader } = setup.clients
  const api = (path: string): string => `${setup.apiUrl}${path}`
  try {
    tour.step('a', `${app.id} asks the authorization server for a token with all three scopes`)
    const appToken = await getToken(tour, setup, app, 'files:read files:write account:read')

    tour.step('b', 'GET /files with that token (needs files:read), then POST /files (files:write)')
    await tour.send(
      { method: 'GET', url: api('/files'), headers: bearer(appToken) },
      { status: 200 },
    )
    const file = { name: 'notes.txt' }
    await tour.send(
      { method: 'POST', url: api('/files'), headers: bearer(appToken), json: file },
      { status: 201 },
    )

    tour.step('c', `${reader.id} may only have files:read, so it cannot write`)
    console.log(
      dim(`  The authorization server refuses to even issue files:write to ${reader.id}:`),
    )
    await tour.send(
      tokenRequest(setup, reader, 'files:read files:write'),
      {
        status: 400,
        body: [field('error', 'invalid_scope')],
      },
      'expected 400 invalid_scope from the authorization server',
    )
    console.log(dim('  A files:read token it can get; the API turns it away from POST /files:'))
    const readerToken = await getToken(tour, setup, reader, 'files:read')
    await tour.send(
      {
        method: 'POST',
        url: api('/files'),
        headers: bearer(readerToken),
        json: file,
      },
      { status: 403, error: 'insufficient_scope', challengeScope: 'files:write' },
    )

    tour.step('d', 'GET /files without any token')
    const anonymous = await tour.send(
      { method: 'GET', url: api('/files') },
      { status: 401, error: null },
    )
    const metadataUrl = parseChallenge(anonymous.wwwAuthenticate).params['resource_metadata']

    tour.step('e', 'GET /files with a tampered token')
    const tampered = tamperSignature(appToken)
    const at = [...appToken].findIndex((char, i) => char !== tampered[i])
    console.log(
      dim(`  ${app.id}'s token with character ${at + 1} of ${appToken.length} (in the signature)`) +
        dim(` changed from "${appToken[at]}" to "${tampered[at]}":`),
    )
    await tour.send(
      { method: 'GET', url: api('/files'), headers: bearer(tampered) },
      { status: 401, error: 'invalid_token' },
    )

    tour.step('f', 'GET /me shows who the API thinks is calling')
    await tour.send(
      { method: 'GET', url: api('/me'), headers: bearer(appToken) },
      { status: 200, body: [field('sub', app.id), field('client_id', app.id)] },
    )

    tour.step('g', `${app.id} gets a DPoP-bound token (RFC 9449) and proves it holds the key`)
    const key = await dpop.generateKeyPair('ES256')
    const dpopToken = await getDpopToken(tour, setup, app, key)
    console.log(
      dim('  Each request carries a fresh proof, signed with the key, for its method and URL:'),
    )
    const proof = await dpop.generateProof(key, api('/files'), 'GET', undefined, dpopToken)
    const withProof = { Authorization: `DPoP ${dpopToken}`, DPoP: proof }
    await tour.send({ method: 'GET', url: api('/files'), headers: withProof }, { status: 200 })
    console.log(dim('  The same proof a second time is a replay:'))
    await tour.send(
      { method: 'GET', url: api('/files'), headers: withProof },
      { status: 401, error: 'invalid_dpop_proof', scheme: 'DPoP' },
    )
    console.log(dim('  And the bound token alone, sent as a Bearer token, is refused:'))
    await tour.send(
      { method: 'GET', url: api('/files'), headers: bearer(dpopToken) },
      { status: 401, error: 'invalid_token' },
    )

    tour.step('h', 'The API describes itself: protected resource metadata (RFC 9728)')
    const wellKnown = api('/.well-known/oauth-protected-resource')
    console.log(
      dim('  Every 401 challenge above named this document (resource_metadata), so a client such'),
    )
    console.log(
      dim('  as an MCP client can find the authorization server and the scopes to ask for:'),
    )
    tour.verdict(
      `the challenge of (d) carries resource_metadata="${wellKnown}"`,
      metadataUrl === wellKnown ? [] : [`it carried ${JSON.stringify(metadataUrl)}`],
    )
    await tour.send(
      { method: 'GET', url: wellKnown },
      {
        status: 200,
        body: [
          field('resource', setup.audience),
          (body) => {
            const servers = (body as Record<string, unknown> | undefined)?.['authorization_servers']
            return Array.isArray(servers) && servers.length > 0
              ? undefined
              : 'expected a non-empty "authorization_servers" list in the body'
          },
          (body) => {
            const algs = (body as Record<string, unknown> | undefined)?.[
              'dpop_signing_alg_values_supported'
            ]
            return Array.isArray(algs) && algs.includes('ES256')
              ? undefined
              : 'expected "dpop_signing_alg_values_supported" to list ES256'
          },
        ],
      },
    )
  } catch (error) {
    if (!(error instanceof TourAborted)) throw error
    tour.failures.push(error.message)
    console.log(`  ${red('✘')} ${error.message}`)
  }
  return { passed: tour.passed, failures: tour.failures }
}
