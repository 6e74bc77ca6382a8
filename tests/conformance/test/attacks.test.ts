import { parseChallenges } from '@scopeguard/core/primitives'
import {
  createTestIssuer,
  rawRequest,
  type RawResponse,
  type TestIssuer,
} from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import {
  ATTACKS,
  generateTestKey,
  startAttackerServer,
  type AttackContext,
  type AttackOutcome,
  type AttackerServer,
} from './attacks.js'
import type { RequestSpec } from './cases.js'
import { startExample, type RunningExample } from './example-process.js'

const AUDIENCE = 'http://api.attacks.test'
/** Text that betrays a stack trace or an internal exception in a response. */
const LEAKS = [
  /\bat .+:\d+:\d+/,
  /node:internal/,
  /node_modules/,
  /\bTypeError\b/,
  /\bJOSE\w*Error/,
  /ERR_[A-Z_]+/,
]

const STATUS: Record<Exclude<AttackOutcome['kind'], 'transport'>, number> = {
  invalid_token: 401,
  invalid_request: 400,
  missing_token: 401,
  insufficient_scope: 403,
}

const CLIENT = { clientId: 'attacks-api', clientSecret: 'attacks-secret-0123456789' }
/** JWT mode verifies locally; opaque mode also introspects (JWTs are still verified locally). */
const MODES = {
  jwt: {},
  opaque: { OAUTH_CLIENT_ID: CLIENT.clientId, OAUTH_CLIENT_SECRET: CLIENT.clientSecret },
} as const

let issuer: TestIssuer
let attacker: AttackerServer
let context: AttackContext

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
  const attackerKey = await generateTestKey('RS256')
  attacker = await startAttackerServer({ keys: [attackerKey.publicJwk] })
  context = { issuer, audience: AUDIENCE, attacker, attackerKey }
})

afterAll(async () => {
  await attacker?.close()
  await issuer?.close()
})

function send(origin: string, spec: RequestSpec): Promise<RawResponse> {
  return rawRequest(origin, {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers: spec.headers ?? [],
    ...(spec.body === undefined ? {} : { body: spec.body }),
  })
}

/** Every token-looking string the request carries (header values after the scheme, query). */
function secretsOf(spec: RequestSpec): string[] {
  const values = (spec.headers ?? []).map(([, value]) => value.replace(/^\S+\s+/, ''))
  const query = /access_token=([^&]+)/.exec(spec.path)?.[1]
  return [...values, ...(query ? [query] : [])]
    .flatMap((value) => [value, ...value.split('.')])
    .filter((part) => part.length > 12)
}

function check(label: string, response: RawResponse, outcome: AttackOutcome): void {
  expect(response.status, `${label}: never a 5xx`).toBeLessThan(500)
  const challenges = response.headers['www-authenticate']
  if (outcome.kind === 'transport') {
    expect(response.status, label).toBe(outcome.status)
    expect(challenges, label).toBeUndefined()
    return
  }
  expect(response.status, label).toBe(STATUS[outcome.kind])
  expect(challenges?.length, label).toBeGreaterThanOrEqual(1)
  // Parse the challenges and check what matters, so extra parameters (resource_metadata…) and an
  // extra DPoP challenge are fine.
  const parsed = (challenges ?? []).flatMap((value) => parseChallenges(value))
  const bearers = parsed.filter((c) => c.scheme.toLowerCase() === 'bearer')
  expect(bearers, label).toHaveLength(1)
  const params = bearers[0]?.params ?? {}
  expect(params['realm'], label).toBe('api')
  const body = JSON.parse(response.body) as Record<string, unknown>
  expect(body['error'], label).toBe(outcome.kind)
  expect(typeof body['error_description'], label).toBe('string')
  if (outcome.kind === 'missing_token') {
    expect(params['error'], label).toBeUndefined()
  } else {
    expect(params['error'], label).toBe(outcome.kind)
    expect(params['error_description'], label).toBe(body['error_description'])
  }
  if (outcome.kind === 'insufficient_scope') expect(params['scope'], label).toBe(outcome.scope)
  expect(response.headers['cache-control']?.join(), label).toBe('no-store')
}

for (const [mode, env] of Object.entries(MODES)) {
  describe(`attack corpus (${mode} mode): ${ATTACKS.length} hostile requests against ${ADAPTERS.map((a) => a.name).join(', ')}`, () => {
    const running: RunningExample[] = []

    beforeAll(async () => {
      for (const adapter of ADAPTERS) {
        running.push(
          await startExample(adapter, { issuer: issuer.issuer, audience: AUDIENCE, extra: env }),
        )
      }
    }, 60_000)

    afterAll(async () => {
      await Promise.all(running.map((example) => example.stop()))
    })

    it('has at least 60 cases with distinct names', () => {
      expect(ATTACKS.length).toBeGreaterThanOrEqual(60)
      expect(new Set(ATTACKS.map((a) => a.name)).size).toBe(ATTACKS.length)
      expect(running).toHaveLength(ADAPTERS.length)
    })

    for (const attack of ATTACKS) {
      it(attack.name, async () => {
        const spec = await attack.request(context)
        const secrets = secretsOf(spec)
        for (const example of running) {
          const label = `example-${example.adapter.name}`
          const response = await send(example.origin, spec)
          check(label, response, attack.expect)
          const echoed = `${response.body}\n${(response.headers['www-authenticate'] ?? []).join()}`
          for (const secret of secrets)
            expect(echoed, `${label} echoes the token`).not.toContain(secret)
          for (const leak of LEAKS)
            expect(response.body, `${label} leaks internals`).not.toMatch(leak)
          const health = await send(example.origin, { path: '/health' })
          expect(health.status, `${label} healthy afterwards`).toBe(200)
        }
        expect(attacker.hits(), 'the attacker server was contacted').toBe(0)
      })
    }

    it('never contacted the attacker server and still accepts a valid token everywhere', async () => {
      expect(attacker.hits()).toBe(0)
      const token = await issuer.sign({ scope: 'files:read' })
      for (const example of running) {
        const response = await send(example.origin, {
          path: '/files',
          headers: [['Authorization', `Bearer ${token}`]],
        })
        expect(response.status, example.adapter.name).toBe(200)
      }
    })
  })
}
