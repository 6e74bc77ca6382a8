import { describe, expect, it } from 'vitest'
import { readConfig } from '../src/index.js'

const base = { OAUTH_ISSUER: 'https://auth.example.com', OAUTH_AUDIENCE: 'https://api.example.com' }

describe('readConfig', () => {
  it('reads the issuer, audience and port', () => {
    expect(readConfig({ ...base, PORT: '0' })).toEqual({
      port: 0,
      resourceServer: { issuer: base.OAUTH_ISSUER, audience: base.OAUTH_AUDIENCE },
    })
  })

  it('passes an explicit JWKS URI', () => {
    expect(
      readConfig({ ...base, OAUTH_JWKS_URI: 'https://auth.example.com/jwks' }).resourceServer,
    ).toMatchObject({
      jwksUri: 'https://auth.example.com/jwks',
    })
  })

  it('turns client credentials into introspection settings, with or without an endpoint', () => {
    const discovered = readConfig({ ...base, OAUTH_CLIENT_ID: 'api', OAUTH_CLIENT_SECRET: 's' })
    expect(discovered.resourceServer.introspection).toEqual({ clientId: 'api', clientSecret: 's' })
    const explicit = readConfig({
      ...base,
      OAUTH_CLIENT_ID: 'api',
      OAUTH_CLIENT_SECRET: 's',
      OAUTH_INTROSPECTION_URL: 'https://auth.example.com/introspect',
    })
    expect(explicit.resourceServer.introspection?.endpoint).toBe(
      'https://auth.example.com/introspect',
    )
  })

  it.each([
    [{}, /missing environment variable\(s\): OAUTH_ISSUER, OAUTH_AUDIENCE/],
    [{ ...base, PORT: 'eighty' }, /PORT must be a port number/],
    [{ ...base, OAUTH_CLIENT_ID: 'api' }, /needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET/],
    [{ ...base, OAUTH_INTROSPECTION_URL: 'https://a.example/i' }, /needs OAUTH_CLIENT_ID/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(message)
  })
})
