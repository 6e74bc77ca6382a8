// The harness of the feature-interaction matrix (interaction-cases.ts): the table's dimensions,
// the issuers, certificates and DPoP key the cases share, resource servers deployed behind an
// adapter's app, requests presenting a token as each scheme over HTTPS, and the exact RFC 6750
// assertions on their answers.
import type { RequestListener } from 'node:http'
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import {
  createResourceServer,
  type IntrospectionOptions,
  type IssuerOptions,
  type IssuerResolver,
  type OAuthErrorReason,
  type ResourceServer,
  type ResourceServerOptions,
  type ScopeguardEvent,
} from '@scopeguard/core'
import { headerValue } from '@scopeguard/core/adapter'
import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestCertificate,
  createTestDpopKey,
  createTestIssuer,
  type TestCertificate,
  type TestDpopKey,
  type TestIssuer,
} from '@scopeguard/testing'
import { expect } from 'vitest'
import type { RunningApp } from './serve.js'

export const AUDIENCE = 'https://files.example.test'
/** The origin DPoP proofs name (`publicOrigin`): the app's own loopback origin never matters. */
export const PUBLIC_ORIGIN = 'https://api.example.test'
/** The header the resolver reads the tenant from. */
export const TENANT_HEADER = 'x-tenant'

/** How a resource server finds the issuer of a token. */
export type IssuerMode = 'single issuer' | 'several issuers' | 'resolved tenants'
export type TokenKind = 'JWT' | 'opaque'
/** How the token is presented: `certificate-bound` is Bearer over mutual TLS (RFC 8705). */
export type Scheme = 'Bearer' | 'DPoP' | 'certificate-bound'

export const ISSUER_MODES: readonly IssuerMode[] = [
  'single issuer',
  'several issuers',
  'resolved tenants',
]
export const TOKEN_KINDS: readonly TokenKind[] = ['JWT', 'opaque']
export const SCHEMES: readonly Scheme[] = ['Bearer', 'DPoP', 'certificate-bound']

/** One combination of the matrix. */
export interface Row {
  mode: IssuerMode
  kind: TokenKind
  scheme: Scheme
}

/** Every combination of the given modes, token kinds and schemes, in this order. */
export function matrix(
  modes: readonly IssuerMode[] = ISSUER_MODES,
  kinds: readonly TokenKind[] = TOKEN_KINDS,
  schemes: readonly Scheme[] = SCHEMES,
): Row[] {
  return modes.flatMap((mode) =>
    kinds.flatMap((kind) => schemes.map((scheme) => ({ mode, kind, scheme }))),
  )
}

export const label = (row: Row): string => `${row.mode} × ${row.kind} × ${row.scheme}`

/**
 * Starts the app under test on a resource server: it must listen over HTTPS on 127.0.0.1 with
 * `tls` (`requestCert: true`, `rejectUnauthorized: false`) and serve `GET /files` behind the
 * adapter's guard with `requireScope('files:read')`, answering the auth object as JSON
 * `{ tokenType, format, issuer, audience, clientId }` and rendering the core's errors as the
 * adapter does.
 */
export type StartInteractionApp = (rs: ResourceServer, tls: TestCertificate) => Promise<RunningApp>

/** Serves a Node request listener (an Express app, Koa's `app.callback()`) over HTTPS on loopback. */
export async function serveTls(
  listener: RequestListener,
  tls: TestCertificate,
): Promise<RunningApp> {
  const server = createHttpsServer(
    { cert: tls.certificate, key: tls.privateKey, requestCert: true, rejectUnauthorized: false },
    listener,
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** The resource server's credentials at the test issuers' introspection endpoints. */
export const CLIENT = {
  clientId: 'interactions-api',
  clientSecret: 'interactions-secret-0123456789',
}
/** The tenants every resolver knows: the main issuer, and the issuer `${main}:prod`. */
export const MAIN_TENANT = 'main'
export const PROD_TENANT = 'prod'
/** Capacity of the small store (cache and state areas alike), and the size of the flood. */
export const CAPACITY = 50
export const FLOOD = 10 * CAPACITY
/** Junk requests in flight at once during the flood. */
const FLOOD_CONCURRENCY = 10
export const HOUR_MS = 3_600_000

/**
 * Options every resource server with resolved tenants gets. The tenants of these tests live on
 * loopback, which the core refuses for resolved tenants by default.
 */
const RESOLVED_TENANTS: Partial<ResourceServerOptions> = { privateNetworks: 'allow' }

/** What the cases share, created once per adapter. */
export interface World {
  /** The main issuer, at path /tenant so that `${issuer}:prod` is an issuer identifier too. */
  main: TestIssuer
  /** The second issuer of `several issuers` (JWTs only: one issuer introspects). */
  other: TestIssuer
  /** An issuer of the attacker's, for tenants that name the main issuer with its key source. */
  attacker: TestIssuer
  /** The server certificate of the apps. */
  tls: TestCertificate
  /** The client certificate certificate-bound tokens are bound to. */
  client: TestCertificate
  /** The client key DPoP-bound tokens are bound to. */
  key: TestDpopKey
  /**
   * Kept-alive TLS connections to the apps, without and with the client certificate (mutual
   * TLS): a handshake per request would cost more than the resource server's work.
   */
  agents: { plain: Agent; mutual: Agent }
}

/** Creates the issuers, certificates, DPoP key and connections the cases share. */
export async function createWorld(): Promise<World> {
  const clients = [CLIENT]
  const [main, other, attacker] = await Promise.all([
    createTestIssuer({ audience: AUDIENCE, path: '/tenant', clients }),
    createTestIssuer({ audience: AUDIENCE }),
    createTestIssuer({ audience: AUDIENCE, clients }),
  ])
  const [tls, client, key] = await Promise.all([
    createTestCertificate({ commonName: 'localhost', altNames: ['IP:127.0.0.1'] }),
    createTestCertificate({ commonName: 'client-a' }),
    createTestDpopKey(),
  ])
  const agents = {
    plain: new Agent({ keepAlive: true, rejectUnauthorized: false }),
    mutual: new Agent({
      keepAlive: true,
      rejectUnauthorized: false,
      cert: client.certificate,
      key: client.privateKey,
    }),
  }
  return { main, other, attacker, tls, client, key, agents }
}

/** Closes what {@link createWorld} opened (also a partly created world). */
export async function closeWorld(world: Partial<World>): Promise<void> {
  world.agents?.plain.destroy()
  world.agents?.mutual.destroy()
  await Promise.all([world.main?.close(), world.other?.close(), world.attacker?.close()])
}

/** A resource server under test and the app serving it. */
export interface Deployment {
  readonly mode: IssuerMode
  readonly rs: ResourceServer
  readonly app: RunningApp
  /** The resolver's tenants, by the value of the tenant header (resolved tenants only). */
  readonly tenants: Map<string, IssuerOptions>
  /** The refusals (`rejected`, `upstream_unavailable`) the last request caused. */
  readonly refusals: ScopeguardEvent[]
}

/** A refusal as RFC 6750 renders it, and the reason the resource server reported. */
export interface Refusal {
  status: 401 | 503
  error: 'invalid_token' | 'invalid_dpop_proof' | 'temporarily_unavailable'
  reason: OAuthErrorReason
}

export const refused = (reason: OAuthErrorReason): Refusal => ({
  status: 401,
  error: 'invalid_token',
  reason,
})
export const replayed: Refusal = { status: 401, error: 'invalid_dpop_proof', reason: 'dpop_replay' }
export const storeFull: Refusal = {
  status: 503,
  error: 'temporarily_unavailable',
  reason: 'store_unavailable',
}

export interface Outcome {
  status: number
  text: string
  body: Record<string, unknown>
  headers: Record<string, string[]>
}

export const prodIssuer = (world: World): string => `${world.main.issuer}:prod`

/**
 * Introspection at the main issuer (or `at`). Inactive answers are kept as long as active ones, so
 * that which answers are still cached depends on the store's capacity alone, never on timing.
 */
export function introspection(world: World, at: TestIssuer = world.main): IntrospectionOptions {
  return {
    endpoint: at.introspectionEndpoint,
    ...CLIENT,
    cache: { maxTtlSeconds: 300, negativeTtlSeconds: 300 },
  }
}

/** Chooses the tenant by the tenant header, returning fresh options as a table lookup would. */
function resolverOf(tenants: ReadonlyMap<string, IssuerOptions>): IssuerResolver {
  return (request) => {
    const name = headerValue(request, TENANT_HEADER)
    const found = name === undefined ? undefined : tenants.get(name)
    return found === undefined ? undefined : { ...found }
  }
}

/**
 * The issuers of a mode: the main issuer (keys and introspection), and, for several issuers and
 * resolved tenants, the JWT-only issuers `other` and `${main}:prod` (the main issuer's keys).
 */
function issuerOptions(
  mode: IssuerMode,
  world: World,
  tenants: Map<string, IssuerOptions>,
): ResourceServerOptions {
  const main: IssuerOptions = {
    issuer: world.main.issuer,
    jwksUri: world.main.jwksUri,
    introspection: introspection(world),
  }
  const prod: IssuerOptions = { issuer: prodIssuer(world), jwksUri: world.main.jwksUri }
  switch (mode) {
    case 'single issuer':
      return { ...main, audience: AUDIENCE }
    case 'several issuers':
      return {
        audience: AUDIENCE,
        issuers: [{ issuer: world.other.issuer, jwksUri: world.other.jwksUri }, main, prod],
      }
    case 'resolved tenants':
      tenants.set(MAIN_TENANT, { ...main, audience: AUDIENCE })
      tenants.set(PROD_TENANT, { ...prod, audience: AUDIENCE })
      return { audience: AUDIENCE, resolveIssuer: resolverOf(tenants), ...RESOLVED_TENANTS }
  }
}

/** The issuer whose JWTs a row uses by default (with several issuers, not the first listed). */
export const jwtIssuer = (world: World, row: Row): TestIssuer =>
  row.mode === 'several issuers' ? world.other : world.main

/**
 * A token for `row`: a JWT of the row's issuer or an opaque token of the main issuer, valid for an
 * hour with scope `files:read`, bound to the DPoP key or the client certificate as the scheme
 * requires. `claims` override the defaults; `signer` issues it instead.
 */
export async function mint(
  world: World,
  row: Row,
  claims: Record<string, unknown> = {},
  signer?: TestIssuer,
): Promise<string> {
  const cnf =
    row.scheme === 'DPoP'
      ? { cnf: { jkt: world.key.jkt } }
      : row.scheme === 'certificate-bound'
        ? { cnf: { 'x5t#S256': world.client.thumbprint } }
        : {}
  const all = { aud: AUDIENCE, ...cnf, ...claims }
  const options = { scope: 'files:read', expiresIn: 3600 }
  return row.kind === 'opaque'
    ? (signer ?? world.main).issueOpaque(all, options)
    : (signer ?? jwtIssuer(world, row)).sign(all, options)
}

/** Whether a refused request must carry the error on the DPoP challenge (RFC 9449 §7.2). */
const onDpop = (row: Row, refusal: Refusal): boolean =>
  row.scheme === 'DPoP' || refusal.error === 'invalid_dpop_proof'

/**
 * Sends the token to `GET /files` as the row's scheme: with a fresh DPoP proof (or `proof`), or
 * over mutual TLS with the client certificate; with the tenant header in resolved-tenants mode.
 */
export async function present(
  world: World,
  deployment: Deployment,
  row: Row,
  token: string,
  extra: { tenant?: string; proof?: string } = {},
): Promise<Outcome> {
  const headers: Record<string, string> = {}
  if (row.scheme === 'DPoP') {
    headers['authorization'] = `DPoP ${token}`
    headers['dpop'] = extra.proof ?? (await world.key.proof('GET', `${PUBLIC_ORIGIN}/files`, token))
  } else {
    headers['authorization'] = `Bearer ${token}`
  }
  if (deployment.mode === 'resolved tenants') headers[TENANT_HEADER] = extra.tenant ?? MAIN_TENANT
  deployment.refusals.length = 0
  return send(world, deployment, headers, row.scheme === 'certificate-bound')
}

/** `GET /files` over HTTPS, presenting the client certificate when `mutual`. */
function send(
  world: World,
  deployment: Deployment,
  headers: Record<string, string>,
  mutual: boolean,
): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const agent = mutual ? world.agents.mutual : world.agents.plain
    const request = httpsRequest(
      `${deployment.app.origin}/files`,
      { agent, headers },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.on('error', reject)
        response.on('end', () => {
          let body: Record<string, unknown> = {}
          try {
            body = JSON.parse(text) as Record<string, unknown>
          } catch {
            // not JSON: the status and text assertions say what came instead
          }
          resolve({
            status: response.statusCode ?? 0,
            text,
            body,
            headers: response.headersDistinct as Record<string, string[]>,
          })
        })
      },
    )
    request.on('error', reject)
    request.end()
  })
}

export function expectAccepted(
  deployment: Deployment,
  row: Row,
  outcome: Outcome,
  expected: Record<string, unknown> = {},
): void {
  expect(outcome.status, outcome.text).toBe(200)
  expect(outcome.body).toMatchObject({
    tokenType: row.scheme === 'DPoP' ? 'DPoP' : 'Bearer',
    format: row.kind === 'JWT' ? 'jwt' : 'opaque',
    ...expected,
  })
  expect(outcome.headers['www-authenticate']).toBeUndefined()
  expect(deployment.refusals).toEqual([])
}

/**
 * Asserts the exact RFC 6750 refusal: status, `error` in the body and on the challenge of the
 * scheme the request used (the other challenge carries none), `no-store`, no token in the
 * response, and the reason the resource server reported for it.
 */
export function expectRefused(
  deployment: Deployment,
  row: Row,
  token: string,
  outcome: Outcome,
  refusal: Refusal,
): void {
  expect(outcome.status, outcome.text).toBe(refusal.status)
  expect(outcome.body['error']).toBe(refusal.error)
  expect(outcome.headers['cache-control']).toEqual(['no-store'])
  expect(outcome.text).not.toContain(token)
  if (refusal.status === 503) {
    expect(outcome.headers['www-authenticate']).toBeUndefined()
  } else {
    const challenges = (outcome.headers['www-authenticate'] ?? []).flatMap((value) =>
      parseChallenges(value),
    )
    expect(challenges.map((c) => c.scheme)).toEqual(['Bearer', 'DPoP'])
    const errorOn = onDpop(row, refusal) ? 'DPoP' : 'Bearer'
    for (const challenge of challenges) {
      expect(challenge.params['error'], challenge.scheme).toBe(
        challenge.scheme === errorOn ? refusal.error : undefined,
      )
    }
  }
  expect(deployment.refusals.map((event) => [event.status, event.reason])).toEqual([
    [refusal.status, refusal.reason],
  ])
}

export async function deploy(
  start: StartInteractionApp,
  world: World,
  mode: IssuerMode,
  extra: Partial<ResourceServerOptions>,
): Promise<Deployment> {
  const tenants = new Map<string, IssuerOptions>()
  const refusals: ScopeguardEvent[] = []
  const rs = createResourceServer({
    ...issuerOptions(mode, world, tenants),
    revocation: true,
    dpop: 'allowed',
    publicOrigin: PUBLIC_ORIGIN,
    logger: false,
    onEvent: (event) => {
      if (event.type === 'rejected' || event.type === 'upstream_unavailable') refusals.push(event)
    },
    ...extra,
  })
  return { mode, rs, app: await start(rs, world.tls), tenants, refusals }
}

/** Revokes a JWT by its issuer and `jti`, an opaque token by the token itself. */
export async function revoke(
  world: World,
  deployment: Deployment,
  row: Row,
  token: string,
  jti: string,
  expiresAt = new Date(Date.now() + HOUR_MS),
): Promise<void> {
  await deployment.rs.revoke(
    row.kind === 'JWT'
      ? { jti, issuer: jwtIssuer(world, row).issuer, expiresAt }
      : { token, expiresAt },
  )
}

/** The `i`th junk opaque token of a flood: unknown to every issuer. */
export const junkToken = (i: number): string => `junk-${i}-${'x'.repeat(24)}`

/**
 * Sends `count` junk opaque tokens as Bearer, `FLOOD_CONCURRENCY` at a time, answering each
 * outcome as `"<status> <error>"`.
 */
export async function flood(
  world: World,
  deployment: Deployment,
  count: number,
): Promise<string[]> {
  const headers = (i: number): Record<string, string> => ({
    authorization: `Bearer ${junkToken(i)}`,
    ...(deployment.mode === 'resolved tenants' ? { [TENANT_HEADER]: MAIN_TENANT } : {}),
  })
  const outcomes: string[] = []
  for (let i = 0; i < count; i += FLOOD_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(FLOOD_CONCURRENCY, count - i) }, (_, j) =>
      send(world, deployment, headers(i + j), false),
    )
    for (const outcome of await Promise.all(batch)) {
      outcomes.push(`${outcome.status} ${String(outcome.body['error'] ?? outcome.text)}`)
    }
  }
  return outcomes
}
