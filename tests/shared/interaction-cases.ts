// The feature-interaction matrix (issue 12): the seams between caches, stores, issuer modes,
// token formats and sender constraints, as HTTP cases every adapter runs with its own framework.
// The table is store (the default memory store, a small one under a flood, one shared by two
// instances) × issuer mode (single issuer, several issuers, resolved tenants) × token (JWT,
// opaque through real introspection) × scheme (Bearer, DPoP, certificate-bound over mutual TLS),
// and each hole fixed in the core gets its case wherever it applies:
//  1. tenants of one issuer share no verifier, keys or cache entries, in either order of first use;
//  2. security state (replay markers, the denylist, registered clients) survives a flood of cached
//     answers, and a full state area answers 503 instead of evicting;
//  3. an introspection answer is reused for at most maxTtlSeconds from when it was obtained, and a
//     denylist entry outlives exp + clockTolerance;
//  4. denylist keys are unambiguous (issuer, jti) pairs, and revoke() refuses an unknown issuer;
//  5. allowedClients (a list, or the registry in the store), on every request, cached or not.
// Imported by relative path by the tests of @scopeguard/express, koa, nestjs and passport, and by
// tests/nestjs-11.
import { randomUUID } from 'node:crypto'
import type { RequestListener } from 'node:http'
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import {
  createMemoryStore,
  createResourceServer,
  headerValue,
  parseChallenges,
  type IntrospectionOptions,
  type IssuerOptions,
  type IssuerResolver,
  type OAuthErrorReason,
  type ResourceServer,
  type ResourceServerOptions,
  type ScopeguardEvent,
} from '@scopeguard/core'
import {
  createTestCertificate,
  createTestDpopKey,
  createTestIssuer,
  DEFAULT_CLIENT_ID,
  type TestCertificate,
  type TestDpopKey,
  type TestIssuer,
} from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
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

const label = (row: Row): string => `${row.mode} × ${row.kind} × ${row.scheme}`

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
const CLIENT = { clientId: 'interactions-api', clientSecret: 'interactions-secret-0123456789' }
/** The tenants every resolver knows: the main issuer, and the issuer `${main}:prod`. */
const MAIN_TENANT = 'main'
const PROD_TENANT = 'prod'
/** Capacity of the small store (cache and state areas alike), and the size of the flood. */
const CAPACITY = 50
const FLOOD = 10 * CAPACITY
/** Junk requests in flight at once during the flood. */
const FLOOD_CONCURRENCY = 10
const HOUR_MS = 3_600_000

/**
 * Options every resource server with resolved tenants gets. The tenants of these tests live on
 * loopback: when the core refuses private-network tenant URLs by default, its opt-out goes here.
 */
const RESOLVED_TENANTS: Partial<ResourceServerOptions> = {}

/** What the cases share, created once per adapter. */
interface World {
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

/** A resource server under test and the app serving it. */
interface Deployment {
  readonly mode: IssuerMode
  readonly rs: ResourceServer
  readonly app: RunningApp
  /** The resolver's tenants, by the value of the tenant header (resolved tenants only). */
  readonly tenants: Map<string, IssuerOptions>
  /** The refusals (`rejected`, `upstream_unavailable`) the last request caused. */
  readonly refusals: ScopeguardEvent[]
}

/** A refusal as RFC 6750 renders it, and the reason the resource server reported. */
interface Refusal {
  status: 401 | 503
  error: 'invalid_token' | 'invalid_dpop_proof' | 'temporarily_unavailable'
  reason: OAuthErrorReason
}

const refused = (reason: OAuthErrorReason): Refusal => ({
  status: 401,
  error: 'invalid_token',
  reason,
})
const replayed: Refusal = { status: 401, error: 'invalid_dpop_proof', reason: 'dpop_replay' }
const storeFull: Refusal = {
  status: 503,
  error: 'temporarily_unavailable',
  reason: 'store_unavailable',
}

interface Outcome {
  status: number
  text: string
  body: Record<string, unknown>
  headers: Record<string, string[]>
}

const prodIssuer = (world: World): string => `${world.main.issuer}:prod`

function introspection(world: World, at: TestIssuer = world.main): IntrospectionOptions {
  return { endpoint: at.introspectionEndpoint, ...CLIENT, cache: { maxTtlSeconds: 300 } }
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
const jwtIssuer = (world: World, row: Row): TestIssuer =>
  row.mode === 'several issuers' ? world.other : world.main

/**
 * A token for `row`: a JWT of the row's issuer or an opaque token of the main issuer, valid for an
 * hour with scope `files:read`, bound to the DPoP key or the client certificate as the scheme
 * requires. `claims` override the defaults; `signer` issues it instead.
 */
async function mint(
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
async function present(
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

function expectAccepted(
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
function expectRefused(
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

async function deploy(
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
async function revoke(
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

/**
 * Sends `count` junk opaque tokens as Bearer, `FLOOD_CONCURRENCY` at a time, answering each
 * outcome as `"<status> <error>"`.
 */
async function flood(world: World, deployment: Deployment, count: number): Promise<string[]> {
  const headers = (i: number): Record<string, string> => ({
    authorization: `Bearer junk-${i}-${'x'.repeat(24)}`,
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

/**
 * Runs the interaction matrix against apps built by `start` (see {@link StartInteractionApp}).
 */
export function describeInteractionCases(adapter: string, start: StartInteractionApp): void {
  describe(`${adapter}: features in combination through HTTP (issue 12)`, () => {
    const world = {} as World

    beforeAll(async () => {
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
      Object.assign(world, { main, other, attacker, tls, client, key, agents })
    }, 30_000)

    afterAll(async () => {
      world.agents?.plain.destroy()
      world.agents?.mutual.destroy()
      await Promise.all([world.main?.close(), world.other?.close(), world.attacker?.close()])
    })

    describeTenantIsolation(world, start)
    for (const mode of ISSUER_MODES) describeDefaultStore(world, start, mode)
    for (const mode of ISSUER_MODES) describeFlood(world, start, mode)
    for (const mode of ISSUER_MODES) describeSharedStore(world, start, mode)
  })
}

/** Hole 1: tenants of one issuer, with different audiences or key sources, share nothing. */
function describeTenantIsolation(world: World, start: StartInteractionApp): void {
  describe('resolved tenants of one issuer, default memory store: no shared verifier, keys or cache entries', () => {
    let deployment: Deployment
    beforeAll(async () => {
      deployment = await deploy(start, world, 'resolved tenants', {})
    })
    afterAll(async () => {
      await deployment?.app.close()
    })

    let next = 0
    for (const row of matrix(['resolved tenants'])) {
      for (const order of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const id = `isolation-${++next}`
        it(`${label(row)}: first use ${order.join(' then ')}: each tenant accepts its own tokens (twice: cached) and refuses the other's`, async () => {
          const audience = { a: `https://a.${id}.example.test`, b: `https://b.${id}.example.test` }
          const tokens = { a: '', b: '' }
          for (const tenant of ['a', 'b'] as const) {
            deployment.tenants.set(`${id}-${tenant}`, {
              issuer: world.main.issuer,
              audience: audience[tenant],
              jwksUri: world.main.jwksUri,
              introspection: introspection(world),
            })
            tokens[tenant] = await mint(world, row, { aud: audience[tenant] })
          }
          for (const tenant of order) {
            for (let i = 0; i < 2; i++) {
              const outcome = await present(world, deployment, row, tokens[tenant], {
                tenant: `${id}-${tenant}`,
              })
              expectAccepted(deployment, row, outcome, { audience: [audience[tenant]] })
            }
          }
          for (const [token, tenant] of [
            [tokens.a, 'b'],
            [tokens.b, 'a'],
          ] as const) {
            const outcome = await present(world, deployment, row, token, {
              tenant: `${id}-${tenant}`,
            })
            expectRefused(deployment, row, token, outcome, refused('audience_mismatch'))
          }
        })
      }

      const id = `forged-${++next}`
      it(`${label(row)}: a tenant naming the same issuer with its own key source, used first, vouches for nothing on the genuine tenant`, async () => {
        const audience = `https://${id}.example.test`
        const genuine = `${id}-genuine`
        const forging = `${id}-forging`
        deployment.tenants.set(genuine, {
          issuer: world.main.issuer,
          audience,
          jwksUri: world.main.jwksUri,
          introspection: introspection(world),
        })
        deployment.tenants.set(forging, {
          issuer: world.main.issuer,
          audience,
          ...(row.kind === 'JWT'
            ? { jwksUri: world.attacker.jwksUri }
            : { introspection: introspection(world, world.attacker) }),
        })
        // The attacker's issuer vouches for a token naming the main issuer and the genuine audience.
        const forged = await mint(
          world,
          row,
          { iss: world.main.issuer, aud: audience },
          world.attacker,
        )
        const real = await mint(world, row, { aud: audience }, world.main)
        const wrongKey = row.kind === 'JWT' ? 'no_matching_key' : 'inactive'
        expectAccepted(
          deployment,
          row,
          await present(world, deployment, row, forged, { tenant: forging }),
        )
        for (const [token, tenant] of [
          [forged, genuine],
          [real, forging],
        ] as const) {
          const outcome = await present(world, deployment, row, token, { tenant })
          expectRefused(deployment, row, token, outcome, refused(wrongKey))
        }
        expectAccepted(
          deployment,
          row,
          await present(world, deployment, row, real, { tenant: genuine }),
        )
      })
    }
  })
}

/** Holes 4 and 5 on the default store: allowed clients, and unambiguous denylist keys. */
function describeDefaultStore(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, default memory store: allowed clients and the denylist's keys`, () => {
    let deployment: Deployment
    beforeAll(async () => {
      deployment = await deploy(start, world, mode, {
        allowedClients: [DEFAULT_CLIENT_ID, 'app-1'],
      })
    })
    afterAll(async () => {
      await deployment?.app.close()
    })

    let next = 0
    for (const row of matrix([mode])) {
      const n = ++next
      it(`${label(row)}: allowedClients — app-1 (client_id, or azp) is accepted; app-2, and no client, get 401 invalid_token`, async () => {
        for (const claims of [{ client_id: 'app-1' }, { client_id: undefined, azp: 'app-1' }]) {
          const token = await mint(world, row, claims)
          for (let i = 0; i < 2; i++) {
            const outcome = await present(world, deployment, row, token)
            expectAccepted(deployment, row, outcome, { clientId: 'app-1' })
          }
        }
        for (const claims of [{ client_id: 'app-2' }, { client_id: undefined }]) {
          const token = await mint(world, row, claims)
          const outcome = await present(world, deployment, row, token)
          expectRefused(deployment, row, token, outcome, refused('client_not_allowed'))
        }
      })

      it(`${label(row)}: revokeClient refuses a token the verified-token cache holds, at once`, async () => {
        const clientId = `app-listed-${n}`
        const token = await mint(world, row, { client_id: clientId })
        const first = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, first, refused('client_not_allowed'))
        await deployment.rs.registerClient(clientId)
        for (let i = 0; i < 2; i++) {
          const outcome = await present(world, deployment, row, token)
          expectAccepted(deployment, row, outcome, { clientId })
        }
        await deployment.rs.revokeClient(clientId)
        const after = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, after, refused('client_not_allowed'))
      })

      if (mode === 'single issuer') continue
      it(`${label(row)}: the denylist keys (issuer, jti) pairs: revoking (\${main}:prod, x) spares (\${main}, prod:x)`, async () => {
        const expiresAt = new Date(Date.now() + HOUR_MS)
        const main = world.main.issuer
        await deployment.rs.revoke({ jti: `x${n}`, issuer: prodIssuer(world), expiresAt })
        await deployment.rs.revoke({ jti: `prod:y${n}`, issuer: main, expiresAt })
        const spared = await mint(world, row, { jti: `prod:x${n}` }, world.main)
        for (let i = 0; i < 2; i++) {
          const outcome = await present(world, deployment, row, spared)
          expectAccepted(deployment, row, outcome, { issuer: main })
        }
        const revokedHere = await mint(world, row, { jti: `prod:y${n}` }, world.main)
        const outcome = await present(world, deployment, row, revokedHere)
        expectRefused(deployment, row, revokedHere, outcome, refused('revoked'))
        if (row.kind === 'JWT') {
          // the issuer ${main}:prod has the main issuer's keys and no introspection
          const revokedThere = await mint(
            world,
            row,
            { iss: prodIssuer(world), jti: `x${n}` },
            world.main,
          )
          const there = await present(world, deployment, row, revokedThere, { tenant: PROD_TENANT })
          expectRefused(deployment, row, revokedThere, there, refused('revoked'))
        }
      })
    }

    if (mode !== 'resolved tenants') {
      it(`${mode}: revoke() refuses an issuer that is not configured`, async () => {
        await expect(
          deployment.rs.revoke({
            jti: 'x',
            issuer: 'https://elsewhere.example.test',
            expiresAt: new Date(Date.now() + HOUR_MS),
          }),
        ).rejects.toThrow(/not configured/)
      })
    }
  })
}

/** Hole 2: a flood of cached answers evicts no security state; a full state area fails closed. */
function describeFlood(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, a memory store of capacity ${CAPACITY} under a flood of ${FLOOD} junk tokens`, () => {
    let deployment: Deployment
    /** State entries written so far: registrations, denylist entries, replay markers. */
    let live = 0
    const revoked = new Map<string, string>()
    const captured = new Map<string, { token: string; proof: string }>()
    const floodOutcomes = new Map<string, number>()
    const rows = matrix([mode])

    async function accepted(row: Row, token: string, proof?: string): Promise<void> {
      const outcome = await present(
        world,
        deployment,
        row,
        token,
        proof === undefined ? {} : { proof },
      )
      expectAccepted(deployment, row, outcome)
      if (row.scheme === 'DPoP') live++
    }

    beforeAll(async () => {
      const store = createMemoryStore({ maxEntries: CAPACITY, maxStateEntries: CAPACITY })
      deployment = await deploy(start, world, mode, { store, allowedClients: 'registry' })
      await deployment.rs.registerClient(DEFAULT_CLIENT_ID)
      live++
      for (const row of rows) {
        // Seen (and cached) before it is revoked.
        const jti = randomUUID()
        const token = await mint(world, row, { jti })
        await accepted(row, token)
        await revoke(world, deployment, row, token, jti)
        live++
        revoked.set(label(row), token)
        if (row.scheme === 'DPoP') {
          const bound = await mint(world, row)
          const proof = await world.key.proof('GET', `${PUBLIC_ORIGIN}/files`, bound)
          await accepted(row, bound, proof)
          captured.set(label(row), { token: bound, proof })
        }
      }
      const outcomes = await flood(world, deployment, FLOOD)
      for (const outcome of outcomes) {
        floodOutcomes.set(outcome, (floodOutcomes.get(outcome) ?? 0) + 1)
      }
    }, 120_000)
    afterAll(async () => {
      await deployment?.app.close()
    })

    it(`answers every junk token 401 invalid_token (cached inactive answers; never a 5xx)`, () => {
      expect(Object.fromEntries(floodOutcomes)).toEqual({ '401 invalid_token': FLOOD })
    })

    for (const row of rows) {
      it(`${label(row)}: a revoked token is still refused after the flood`, async () => {
        const token = revoked.get(label(row)) as string
        const outcome = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, outcome, refused('revoked'))
      })
      if (row.scheme === 'DPoP') {
        it(`${label(row)}: a used proof is still refused as a replay after the flood`, async () => {
          const { token, proof } = captured.get(label(row)) as { token: string; proof: string }
          const outcome = await present(world, deployment, row, token, { proof })
          expectRefused(deployment, row, token, outcome, replayed)
        })
      }
      it(`${label(row)}: the registered client's tokens are still accepted after the flood`, async () => {
        await accepted(row, await mint(world, row))
      })
    }

    it('with the state area full: new DPoP proofs get 503, revoke() and registerClient() throw, and nothing live is evicted', async () => {
      const row: Row = { mode, kind: 'JWT', scheme: 'DPoP' }
      const token = await mint(world, row)
      let room = 0
      let outcome = await present(world, deployment, row, token)
      while (outcome.status === 200 && room < CAPACITY) {
        room++
        outcome = await present(world, deployment, row, token)
      }
      expect(room).toBe(CAPACITY - live)
      live = CAPACITY
      for (let i = 0; i < 3; i++) {
        expectRefused(deployment, row, token, outcome, storeFull)
        outcome = await present(world, deployment, row, token)
      }
      await expect(
        deployment.rs.revoke({ token, expiresAt: new Date(Date.now() + HOUR_MS) }),
      ).rejects.toThrow(/maxStateEntries/)
      await expect(deployment.rs.registerClient('late-client')).rejects.toThrow(/maxStateEntries/)
      for (const each of rows) {
        const revokedToken = revoked.get(label(each)) as string
        const again = await present(world, deployment, each, revokedToken)
        expectRefused(deployment, each, revokedToken, again, refused('revoked'))
        const replay = captured.get(label(each))
        if (replay !== undefined) {
          const repeated = await present(world, deployment, each, replay.token, {
            proof: replay.proof,
          })
          expectRefused(deployment, each, replay.token, repeated, replayed)
        }
        if (each.scheme !== 'DPoP') {
          // needs no new state: the registration is still there
          await accepted(each, await mint(world, each))
        }
      }
    })
  })
}

/** Hole 3 and the registry across instances: two resource servers behind one store. */
function describeSharedStore(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, two instances sharing one memory store`, () => {
    /** The instances' clock: the real time unless a case sets it. */
    let frozen: number | undefined
    const now = (): number => frozen ?? Date.now()
    let one: Deployment
    let two: Deployment

    beforeAll(async () => {
      const shared: Partial<ResourceServerOptions> = {
        store: createMemoryStore({ now }),
        now,
        clockTolerance: 30,
        allowedClients: 'registry',
        // proofs carry the real iat while cases move the instances' clock up to ~6 minutes on
        dpop: { policy: 'allowed', maxProofAge: 900 },
      }
      one = await deploy(start, world, mode, shared)
      two = await deploy(start, world, mode, shared)
      await one.rs.registerClient(DEFAULT_CLIENT_ID)
    })
    beforeEach(() => {
      frozen = undefined
    })
    afterAll(async () => {
      await Promise.all([one?.app.close(), two?.app.close()])
    })

    for (const row of matrix([mode], ['opaque'])) {
      it(`${label(row)}: an introspection answer is reused for at most maxTtlSeconds (300) from when it was obtained, whichever instance reads it`, async () => {
        const start = Date.now()
        frozen = start
        const token = await mint(world, row)
        world.main.resetCounts()
        expectAccepted(one, row, await present(world, one, row, token))
        expect(world.main.requestCount('introspection')).toBe(1)
        frozen = start + 290_000
        // the second instance reads the answer from the store, then from its own cache
        for (let i = 0; i < 2; i++) expectAccepted(two, row, await present(world, two, row, token))
        expect(world.main.requestCount('introspection')).toBe(1)
        world.main.revoke(token)
        frozen = start + 301_000
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('inactive'))
        }
        expect(world.main.requestCount('introspection')).toBe(2)
      })
    }

    let next = 0
    for (const row of matrix([mode])) {
      const n = ++next
      it(`${label(row)}: a revocation on one instance refuses the token on both, cached or not, until exp + clockTolerance`, async () => {
        const exp = Math.floor(Date.now() / 1000) + 60
        const jti = randomUUID()
        const token = await mint(world, row, { exp, jti })
        for (const instance of [one, two]) {
          expectAccepted(instance, row, await present(world, instance, row, token))
        }
        await revoke(world, one, row, token, jti, new Date(exp * 1000))
        for (const after of [0, 59, 61, 89]) {
          frozen = (exp - 60 + after) * 1000
          for (const instance of [two, one]) {
            const outcome = await present(world, instance, row, token)
            expectRefused(instance, row, token, outcome, refused('revoked'))
          }
        }
        frozen = (exp + 31) * 1000
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('expired'))
        }
      })

      it(`${label(row)}: registerClient and revokeClient on one instance take effect on the other at once, cached or not`, async () => {
        const clientId = `app-registry-${n}`
        const token = await mint(world, row, { client_id: clientId })
        for (const instance of [one, two]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('client_not_allowed'))
        }
        await one.rs.registerClient(clientId)
        for (const instance of [two, two, one]) {
          expectAccepted(instance, row, await present(world, instance, row, token), { clientId })
        }
        await one.rs.revokeClient(clientId)
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('client_not_allowed'))
        }
      })
    }
  })
}
