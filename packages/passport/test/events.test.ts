import type { Server } from 'node:http'
import { createResourceServer, type ScopeguardEvent } from '@scopeguard/core'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import express from 'express'
import passportStatic from 'passport'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { errorHandler, requireScope, ScopeguardStrategy } from '../src/index.js'

// The strategy passes the core's options through, so the core's onEvent hook needs no adapter code.
const AUDIENCE = 'https://events.example.test'
let issuer: TestIssuer
let server: Server
let origin: string
const events: ScopeguardEvent[] = []

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    logger: false,
    onEvent: (event) => events.push(event),
  })
  const passport = new passportStatic.Passport()
  passport.use(new ScopeguardStrategy(rs))
  const app = express()
  app.get(
    '/files',
    passport.authenticate('scopeguard', { session: false, failWithError: true }),
    requireScope('files:read'),
    (_req, res) => {
      res.json({ ok: true })
    },
  )
  app.use(errorHandler())
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await issuer?.close()
})

const get = async (token?: string) =>
  (
    await rawRequest(origin, {
      path: '/files',
      headers: token === undefined ? [] : [['Authorization', `Bearer ${token}`]],
    })
  ).status

it('passport: events fire for authenticated, rejected (with reason) and refused requests', async () => {
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
