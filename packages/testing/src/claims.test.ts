import { describe, expect, it } from 'vitest'
import { buildClaims, DEFAULT_CLIENT_ID, DEFAULT_SUBJECT } from './claims.js'

const context = { issuer: 'https://as.test', audience: 'https://rs.test', tokenLifetime: 300 }

describe('buildClaims', () => {
  it('fills the RFC 9068 required claims by default', () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = buildClaims(context)
    expect(claims).toMatchObject({
      iss: 'https://as.test',
      aud: 'https://rs.test',
      sub: DEFAULT_SUBJECT,
      client_id: DEFAULT_CLIENT_ID,
    })
    expect(claims.iat).toBeGreaterThanOrEqual(now)
    expect(claims.exp).toBe((claims.iat as number) + 300)
    expect(typeof claims.jti).toBe('string')
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sub'].sort(),
    )
  })

  it('copies an array audience instead of sharing it', () => {
    const audience = ['a', 'b']
    const claims = buildClaims({ ...context, audience })
    expect(claims.aud).toEqual(['a', 'b'])
    expect(claims.aud).not.toBe(audience)
  })

  it('lets given claims override defaults and the scope option', () => {
    const claims = buildClaims(context, { iss: 'other', scope: 'x' }, { scope: 'y' })
    expect(claims).toMatchObject({ iss: 'other', scope: 'x' })
  })

  it('removes claims that are set to undefined', () => {
    const claims = buildClaims(context, { jti: undefined, exp: undefined })
    expect(claims).not.toHaveProperty('jti')
    expect(claims).not.toHaveProperty('exp')
  })

  it('joins an array scope with spaces', () => {
    expect(buildClaims(context, {}, { scope: ['a', 'b', 'c'] }).scope).toBe('a b c')
  })

  it('adds only scope and exp from options when defaults are off', () => {
    expect(buildClaims(context, { foo: 1 }, { defaults: false })).toEqual({ foo: 1 })
    const now = Math.floor(Date.now() / 1000)
    const claims = buildClaims(context, {}, { defaults: false, expiresIn: -10, scope: 's' })
    expect(Object.keys(claims).sort()).toEqual(['exp', 'scope'])
    expect(claims.exp).toBeLessThanOrEqual(now - 9)
  })

  it('rejects a non-finite expiresIn', () => {
    expect(() => buildClaims(context, {}, { expiresIn: Number.NaN })).toThrow(TypeError)
  })
})
