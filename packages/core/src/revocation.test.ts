import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigurationError, isOAuthError } from './errors.js'
import { createMemoryStore } from './memory-store.js'
import { denylistKey } from './revocation.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'
import type { Store } from './store.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

const request = (token: string): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
})
const inAnHour = (): Date => new Date(Date.now() + 3_600_000)

describe('revocation denylist', () => {
  it('rejects a JWT revoked by jti, and only that one', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, revocation: true })
    const revoked = await issuer.sign({ jti: 'token-1' })
    const other = await issuer.sign({ jti: 'token-2' })
    await rs.revoke({ jti: 'token-1', expiresAt: inAnHour() })
    const error = await rs.authenticate(request(revoked)).catch((e: unknown) => e)
    expect(isOAuthError(error) && [error.status, error.code, error.reason]).toEqual([
      401,
      'invalid_token',
      'revoked',
    ])
    await expect(rs.authenticate(request(other))).resolves.toBeDefined()
  })

  it('rejects a token revoked by value, and never stores the raw token', async () => {
    const keys: string[] = []
    const memory = createMemoryStore()
    const store: Store = {
      ...memory,
      set: (key, value, ttl, kind) => (keys.push(key + value), memory.set(key, value, ttl, kind)),
    }
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      revocation: true,
      store,
    })
    const token = await issuer.sign({ jti: undefined })
    await rs.revoke({ token, expiresAt: inAnHour() })
    await expect(rs.authenticate(request(token))).rejects.toMatchObject({ reason: 'revoked' })
    expect(keys.join()).not.toContain(token)
  })

  it('shares revocations between two resource servers on one store (two instances)', async () => {
    const store = createMemoryStore()
    const a = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      revocation: true,
      store,
    })
    const b = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      revocation: true,
      store,
    })
    const token = await issuer.sign({ jti: 'shared-1' })
    await a.revoke({ jti: 'shared-1', expiresAt: inAnHour() })
    await expect(b.authenticate(request(token))).rejects.toMatchObject({ reason: 'revoked' })
  })

  it('keeps entries as state until the token would no longer be accepted (exp + clockTolerance)', async () => {
    let clock = Date.now()
    const store = createMemoryStore({ now: () => clock })
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      revocation: true,
      clockTolerance: 5,
      store,
      now: () => clock,
    })
    await rs.revoke({ jti: 'short', expiresAt: new Date(clock + 1000) })
    const key = await denylistKey.jti(issuer.issuer, 'short')
    expect(await store.get(key, 'state')).toBe('1')
    expect(await store.get(key, 'cache')).toBeUndefined()
    clock += 1000 + 4999
    expect(await store.get(key, 'state')).toBe('1')
    clock += 2
    expect(await store.get(key, 'state')).toBeUndefined()
  })

  it('fails closed (503) when the store cannot be read', async () => {
    const broken: Store = {
      get: async () => {
        throw new Error('store down')
      },
      set: async () => {},
      setIfAbsent: async () => true,
      delete: async () => {},
    }
    const rs = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      revocation: true,
      store: broken,
      logger: false,
    })
    await expect(rs.authenticate(request(await issuer.sign()))).rejects.toMatchObject({
      status: 503,
    })
  })

  it('refuses revoke() without the revocation option', async () => {
    const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })
    await expect(rs.revoke({ jti: 'x', expiresAt: inAnHour() })).rejects.toThrow(ConfigurationError)
  })
})
