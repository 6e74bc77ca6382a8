import type { ScopeguardEvent } from '@scopeguard/core'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { globalGuardModule, startNest, type RunningApp } from './nest-apps.js'

// ScopeguardModule.forRoot takes the core's options, so the core's onEvent hook needs no adapter
// code.
const AUDIENCE = 'https://events.example.test'
let issuer: TestIssuer
let running: RunningApp
const events: ScopeguardEvent[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  running = await startNest(
    globalGuardModule({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      logger: false,
      onEvent: (event) => events.push(event),
    }),
    'express',
  )
})
afterAll(async () => {
  await running?.close()
  await issuer?.close()
})

const get = async (token?: string) =>
  (
    await rawRequest(running.origin, {
      path: '/files',
      headers: token === undefined ? [] : [['Authorization', `Bearer ${token}`]],
    })
  ).status

it('nestjs: events fire for authenticated, rejected (with reason) and refused requests', async () => {
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
