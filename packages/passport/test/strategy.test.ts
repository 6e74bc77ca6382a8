import {
  ConfigurationError,
  createResourceServer,
  InvalidRequestError,
  isOAuthError,
  type ResourceServer,
} from '@scopeguard/core'
import { createTestIssuer, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScopeguardStrategy, type PassportRequest } from '../src/index.js'

/** The DPoP challenge (RFC 9449 §7.1) that follows Bearer's, as the default `dpop: 'allowed'` sends. */
const DPOP_CHALLENGE =
  'DPoP realm="api", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"'
const AUDIENCE = 'https://files.example.test'
let issuer: TestIssuer
let rs: ResourceServer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
})
afterAll(async () => {
  await issuer.close()
})

interface Action {
  action: 'success' | 'fail' | 'error' | 'pass' | 'redirect'
  args: unknown[]
}

/**
 * Runs the strategy the way Passport does (on `Object.create(strategy)` with the action functions
 * attached) and records every action it calls, waiting long enough to see a second call.
 */
async function run(
  strategy: ScopeguardStrategy,
  req: Partial<PassportRequest>,
): Promise<{ actions: Action[]; threw: unknown }> {
  const actions: Action[] = []
  const instance = Object.create(strategy) as ScopeguardStrategy & Record<string, unknown>
  for (const action of ['success', 'fail', 'error', 'pass', 'redirect'] as const) {
    instance[action] = (...args: unknown[]) => {
      actions.push({ action, args })
    }
  }
  let threw: unknown
  try {
    instance.authenticate(req as PassportRequest)
  } catch (error) {
    threw = error
  }
  for (let i = 0; i < 100 && actions.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await new Promise((resolve) => setTimeout(resolve, 30))
  return { actions, threw }
}

const request = (authorization?: string, url = '/files'): Partial<PassportRequest> => ({
  method: 'GET',
  url,
  headers: authorization === undefined ? {} : { authorization },
  rawHeaders: authorization === undefined ? [] : ['Authorization', authorization],
})

describe('authenticate() calls exactly one action and never throws', () => {
  it('succeeds with the auth object as user and info', async () => {
    const { actions, threw } = await run(
      new ScopeguardStrategy(rs),
      request(`Bearer ${await issuer.sign({ scope: 'files:read' })}`),
    )
    expect(threw).toBeUndefined()
    expect(actions.map((a) => a.action)).toEqual(['success'])
    const [user, info] = actions[0]?.args ?? []
    expect(user).toBe(info)
    expect(user).toMatchObject({ subject: 'user-123', scopes: ['files:read'] })
  })

  it('fails a request without a token with the bare challenge and 401', async () => {
    const { actions } = await run(new ScopeguardStrategy(rs), request())
    expect(actions).toEqual([
      { action: 'fail', args: [`Bearer realm="api", ${DPOP_CHALLENGE}`, 401] },
    ])
  })

  it('fails an invalid token with the invalid_token challenge and 401', async () => {
    const { actions } = await run(
      new ScopeguardStrategy(rs),
      request(`Bearer ${tamper(await issuer.sign())}`),
    )
    expect(actions).toEqual([
      {
        action: 'fail',
        args: [
          `Bearer realm="api", error="invalid_token", error_description="The access token signature is invalid", ${DPOP_CHALLENGE}`,
          401,
        ],
      },
    ])
  })

  it('fails a malformed header with 400', async () => {
    const { actions } = await run(new ScopeguardStrategy(rs), request('Bearer a b'))
    expect(actions.map((a) => a.action)).toEqual(['fail'])
    expect(actions[0]?.args[0]).toMatch(/^Bearer realm="api", error="invalid_request"/)
    expect(actions[0]?.args[1]).toBe(400)
  })

  it('passes an anonymous request on an optional strategy', async () => {
    const strategy = new ScopeguardStrategy({ resourceServer: rs, optional: true })
    expect((await run(strategy, request())).actions).toEqual([{ action: 'pass', args: [] }])
  })

  it('reports keys that cannot be loaded as an error (503), not a failure', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    down.setFault('jwks', { status: 500 })
    try {
      const strategy = new ScopeguardStrategy({
        issuer: down.issuer,
        audience: AUDIENCE,
        logger: false,
      })
      const { actions } = await run(strategy, request(`Bearer ${await down.sign()}`))
      expect(actions.map((a) => a.action)).toEqual(['error'])
      const error = actions[0]?.args[0]
      expect(isOAuthError(error) && error.status).toBe(503)
    } finally {
      await down.close()
    }
  })

  it('ignores a second call of done and a throw after done', async () => {
    const strategy = new ScopeguardStrategy(rs, (auth, done) => {
      done(null, { id: 1 })
      done(null, false)
      throw new Error('after done')
    })
    const { actions, threw } = await run(strategy, request(`Bearer ${await issuer.sign()}`))
    expect(threw).toBeUndefined()
    expect(actions.map((a) => a.action)).toEqual(['success'])
    expect(actions[0]?.args[0]).toEqual({ id: 1 })
  })

  it('turns a verify that throws into error()', async () => {
    const strategy = new ScopeguardStrategy(rs, () => {
      throw new Error('user store down')
    })
    const { actions, threw } = await run(strategy, request(`Bearer ${await issuer.sign()}`))
    expect(threw).toBeUndefined()
    expect(actions.map((a) => a.action)).toEqual(['error'])
    expect((actions[0]?.args[0] as Error).message).toBe('user store down')
  })

  it('passes the info given to done on to success', async () => {
    const strategy = new ScopeguardStrategy(rs, (_auth, done) => done(null, 'ada', { via: 'db' }))
    const { actions } = await run(strategy, request(`Bearer ${await issuer.sign()}`))
    expect(actions).toEqual([{ action: 'success', args: ['ada', { via: 'db' }] }])
  })

  it('survives a resource server that throws synchronously', async () => {
    const throwing = (error: unknown): ResourceServer =>
      ({
        ...rs,
        authenticate: () => {
          throw error
        },
      }) as ResourceServer
    const oauth = await run(
      new ScopeguardStrategy(throwing(new InvalidRequestError('bad'))),
      request(),
    )
    expect(oauth.threw).toBeUndefined()
    expect(oauth.actions.map((a) => [a.action, a.args[1]])).toEqual([['fail', 400]])
    const other = await run(new ScopeguardStrategy(throwing(new Error('boom'))), request())
    expect(other.threw).toBeUndefined()
    expect(other.actions.map((a) => a.action)).toEqual(['error'])
  })

  it('survives a request without headers', async () => {
    const { actions, threw } = await run(new ScopeguardStrategy(rs), { url: '/files' })
    expect(threw).toBeUndefined()
    expect(actions).toHaveLength(1)
  })
})

describe('ScopeguardStrategy options', () => {
  it("is named 'scopeguard' by default and can be renamed", () => {
    expect(new ScopeguardStrategy(rs).name).toBe('scopeguard')
    expect(new ScopeguardStrategy({ resourceServer: rs, name: 'api' }).name).toBe('api')
    const inline = new ScopeguardStrategy({ issuer: issuer.issuer, audience: AUDIENCE })
    expect(inline.name).toBe('scopeguard')
    expect(inline.resourceServer.issuer).toBe(issuer.issuer)
  })

  it('rejects wrong options at construction with a message saying what to change', () => {
    expect(
      () => new ScopeguardStrategy({ issuer: issuer.issuer, audiance: AUDIENCE } as never),
    ).toThrow(/unknown option "audiance"/)
    expect(
      () => new ScopeguardStrategy({ issuer: 'http://auth.example.com', audience: 'a' }),
    ).toThrow(/allowInsecureHttp/)
    expect(
      () => new ScopeguardStrategy({ resourceServer: rs, issuer: issuer.issuer } as never),
    ).toThrow(/unknown option "issuer" next to resourceServer/)
    expect(() => new ScopeguardStrategy({ resourceServer: {} as ResourceServer })).toThrow(
      /resourceServer must be created with createResourceServer/,
    )
    expect(() => new ScopeguardStrategy({ resourceServer: rs, name: '' })).toThrow(/name must be/)
    expect(() => new ScopeguardStrategy({ resourceServer: rs, query: 'a b' })).toThrow(/query must/)
    expect(() => new ScopeguardStrategy({ resourceServer: rs, optional: 'yes' as never })).toThrow(
      /optional must be a boolean/,
    )
    expect(
      () => new ScopeguardStrategy({ resourceServer: rs, passReqToCallback: true } as never),
    ).toThrow(/passReqToCallback needs a verify function/)
    expect(() => new ScopeguardStrategy(rs, 'verify' as never)).toThrow(/verify must be a function/)
    expect(() => new ScopeguardStrategy(undefined as never)).toThrow(/needs options/)
    expect(() => new ScopeguardStrategy(rs, 1 as never)).toThrow(ConfigurationError)
  })
})
