import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADAPTERS } from './adapters.js'
import { casesFor, RESOURCE, RESOURCE_METADATA_URL, type Mode, type RequestSpec } from './cases.js'
import { DPOP_ALGS, DPOP_CASES } from './dpop-cases.js'
import { startExample, type RunningExample } from './example-process.js'

const AUDIENCE = RESOURCE

/** The parts of a response every adapter must produce identically. */
interface Observed {
  status: number
  wwwAuthenticate: string[] | undefined
  cacheControl: string | undefined
  body: unknown
}

async function send(origin: string, spec: RequestSpec): Promise<Observed> {
  const response = await rawRequest(origin, {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers: spec.headers ?? [],
    ...(spec.body === undefined ? {} : { body: spec.body }),
  })
  let body: unknown = response.body
  try {
    body = JSON.parse(response.body)
  } catch {
    // keep the text: a non-JSON body fails the expectations below
  }
  return {
    status: response.status,
    wwwAuthenticate: response.headers['www-authenticate'],
    cacheControl: response.headers['cache-control']?.join(', '),
    body,
  }
}

const CLIENT = { clientId: 'conformance-api', clientSecret: 'conformance-secret-0123456789' }

let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
})

afterAll(async () => {
  await issuer?.close()
})

/**
 * Environment of the examples in each mode: opaque mode adds this API's introspection client.
 * Both run behind the same public origin (as behind a load balancer), which DPoP proofs name.
 */
const MODE_ENV: Record<Mode, Record<string, string>> = {
  jwt: { PUBLIC_ORIGIN: RESOURCE },
  opaque: {
    PUBLIC_ORIGIN: RESOURCE,
    OAUTH_CLIENT_ID: CLIENT.clientId,
    OAUTH_CLIENT_SECRET: CLIENT.clientSecret,
  },
}

for (const mode of ['jwt', 'opaque'] as const) {
  describe(`conformance (${mode} tokens): ${ADAPTERS.map((a) => a.name).join(', ')}`, () => {
    const running: RunningExample[] = []
    const cases = [...casesFor(mode), ...DPOP_CASES]
    const mint = async (
      claims: Record<string, unknown> = {},
      options: { expiresIn?: number } = {},
    ) => (mode === 'jwt' ? issuer.sign(claims, options) : issuer.issueOpaque(claims, options))

    beforeAll(async () => {
      for (const adapter of ADAPTERS) {
        running.push(
          await startExample(adapter, {
            issuer: issuer.issuer,
            audience: AUDIENCE,
            extra: MODE_ENV[mode],
          }),
        )
      }
    }, 60_000)

    afterAll(async () => {
      await Promise.all(running.map((example) => example.stop()))
    })

    it('has a matrix of at least 40 cases over every adapter', () => {
      expect(cases.length).toBeGreaterThanOrEqual(40)
      expect(running.length).toBe(ADAPTERS.length)
    })

    for (const testCase of cases) {
      it(testCase.name, async () => {
        const spec = await testCase.request({ issuer, audience: AUDIENCE, mode, mint })
        const expected = testCase.expect
        const results: Observed[] = []
        for (const example of running) {
          const observed = await send(example.origin, spec)
          results.push(observed)
          const label = `example-${example.adapter.name}`
          expect(observed.status, label).toBe(expected.status)
          if (expected.challenge === null) {
            expect(observed.wwwAuthenticate, label).toBeUndefined()
          } else if (expected.challenge !== undefined) {
            expect(observed.wwwAuthenticate, label).toHaveLength(1)
            const [challenge, dpop, ...others] = parseChallenges(
              observed.wwwAuthenticate?.[0] ?? '',
            )
            expect(others, label).toEqual([])
            expect(challenge?.scheme, label).toBe('Bearer')
            expect(challenge?.params, label).toMatchObject(expected.challenge)
            if (expected.challenge['error'] === undefined) {
              expect(challenge?.params['error'], label).toBeUndefined()
            }
            // RFC 9728 §5.1 / MCP: every challenge names the metadata document.
            expect(challenge?.params['resource_metadata'], label).toBe(RESOURCE_METADATA_URL)
            // RFC 9449 §7.1: DPoP is offered too (the default policy), with its algorithms; the
            // error goes on the challenge of the scheme the request used.
            expect(dpop?.scheme, label).toBe('DPoP')
            expect(dpop?.params['algs'], label).toBe(DPOP_ALGS)
            expect(dpop?.params['resource_metadata'], label).toBe(RESOURCE_METADATA_URL)
            if (expected.dpopChallenge === undefined) {
              expect(dpop?.params['error'], label).toBeUndefined()
            } else {
              expect(dpop?.params, label).toMatchObject(expected.dpopChallenge)
            }
            const body = observed.body as Record<string, unknown>
            expect(body, label).toEqual({
              error: expected.error,
              error_description: expect.any(String),
            })
            if (expected.challenge['error'] !== undefined) {
              expect(challenge?.params['error_description'], label).toBe(body['error_description'])
            }
            if (expected.dpopChallenge?.['error'] !== undefined) {
              expect(dpop?.params['error_description'], label).toBe(body['error_description'])
            }
            expect(observed.cacheControl, label).toBe('no-store')
          }
          if (expected.body !== undefined) expect(observed.body, label).toMatchObject(expected.body)
          if (expected.status >= 400) {
            const token = spec.headers?.find(
              ([name]) => name.toLowerCase() === 'authorization',
            )?.[1]
            const raw = token?.replace(/^\S+\s+/, '')
            if (raw && raw.length > 8) {
              expect(JSON.stringify(observed.body), label).not.toContain(raw)
              expect(observed.wwwAuthenticate?.join(), label).not.toContain(raw)
            }
          }
        }
        // The point of the suite: every adapter answers exactly the same.
        for (let i = 1; i < results.length; i++) {
          expect(
            results[i],
            `example-${running[i]?.adapter.name} vs example-${running[0]?.adapter.name}`,
          ).toEqual(results[0])
        }
      })
    }

    it('kept every example healthy through the whole matrix', async () => {
      for (const example of running) {
        expect((await send(example.origin, { path: '/health' })).status, example.adapter.name).toBe(
          200,
        )
      }
    })
  })
}
