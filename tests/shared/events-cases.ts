// The events case every adapter is held to: the adapters pass the core's options through, so the
// core's onEvent hook (authenticated, rejected with a reason, key fetches) needs no adapter code.
import type { ResourceServerOptions, ScopeguardEvent } from '@scopeguard/core'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { RunningApp } from './serve.js'

const AUDIENCE = 'https://events.example.test'

/**
 * The events case for one adapter (`name` starts the test's title). `start(options)` serves
 * `GET /files` behind the adapter's guard on a resource server created from `options` (or, for
 * Nest, the module configured with them), with `requireScope('files:read')`.
 */
export function itFiresEvents(
  name: string,
  start: (options: ResourceServerOptions) => Promise<RunningApp>,
): void {
  let issuer: TestIssuer
  let app: RunningApp
  const events: ScopeguardEvent[] = []

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    app = await start({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      logger: false,
      onEvent: (event) => events.push(event),
    })
  })
  afterAll(async () => {
    await app?.close()
    await issuer?.close()
  })

  const get = async (token?: string) =>
    (
      await rawRequest(app.origin, {
        path: '/files',
        headers: token === undefined ? [] : [['Authorization', `Bearer ${token}`]],
      })
    ).status

  it(`${name}: events fire for authenticated, rejected (with reason) and refused requests`, async () => {
    expect(await get(await issuer.sign({ scope: 'files:read' }))).toBe(200)
    expect(await get(await issuer.sign({ scope: 'files:read' }, { expiresIn: -600 }))).toBe(401)
    expect(await get(await issuer.sign({ scope: 'other' }))).toBe(403)
    expect(await get()).toBe(401)
    const decisions = events.filter((e) => ['authenticated', 'rejected'].includes(e.type))
    expect(decisions.map((e) => [e.type, e.reason])).toEqual([
      ['authenticated', undefined],
      ['rejected', 'expired'],
      ['authenticated', undefined],
      ['rejected', 'missing_scope'],
      ['rejected', 'no_token'],
    ])
    expect(events.some((e) => e.type === 'key_fetch' && e.outcome === 'ok')).toBe(true)
  })
}
