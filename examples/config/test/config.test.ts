import { describe, expect, it } from 'vitest'
import { readConfig } from '../src/index.js'

const base = { OAUTH_ISSUER: 'https://auth.example.com', OAUTH_AUDIENCE: 'https://api.example.com' }

describe('readConfig', () => {
  it('reads the issuer, audience and port', () => {
    expect(readConfig({ ...base, PORT: '0', OAUTH_RESOURCE: 'off' })).toEqual({
      port: 0,
      resourceServer: { issuer: base.OAUTH_ISSUER, audience: base.OAUTH_AUDIENCE },
    })
  })

  it('publishes resource metadata for an https audience, as the resource identifier', () => {
    expect(readConfig(base).resourceServer.resourceMetadata).toEqual({
      resource: base.OAUTH_AUDIENCE,
      scopesSupported: ['files:read', 'files:write', 'account:read'],
      resourceName: 'scopeguard example API',
    })
  })

  it('takes OAUTH_RESOURCE over the audience', () => {
    const config = readConfig({ ...base, OAUTH_RESOURCE: 'https://api.example.com/mcp' })
    expect(config.resourceServer.resourceMetadata?.resource).toBe('https://api.example.com/mcp')
  })

  it.each(['http://api.example.test', 'api://files', 'urn:example:api'])(
    'publishes no metadata for the audience %s (not an https or loopback URL)',
    (audience) => {
      const config = readConfig({ ...base, OAUTH_AUDIENCE: audience })
      expect(config.resourceServer.resourceMetadata).toBeUndefined()
    },
  )

  it('publishes metadata for a loopback http audience', () => {
    const config = readConfig({ ...base, OAUTH_AUDIENCE: 'http://127.0.0.1:4000' })
    expect(config.resourceServer.resourceMetadata?.resource).toBe('http://127.0.0.1:4000')
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

  it('reads REDIS_URL and PUBLIC_ORIGIN (normalised to an origin)', () => {
    const config = readConfig({
      ...base,
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      PUBLIC_ORIGIN: 'https://API.example.com:443/',
    })
    expect(config).toMatchObject({
      redisUrl: 'rediss://user:pw@redis.internal:6380/2',
      publicOrigin: 'https://api.example.com',
      // DPoP htu is checked against the public origin, which is also the published resource.
      resourceServer: {
        publicOrigin: 'https://api.example.com',
        resourceMetadata: { resource: 'https://api.example.com' },
      },
    })
    expect(readConfig({ ...base, PUBLIC_ORIGIN: 'http://127.0.0.1:8080' }).publicOrigin).toBe(
      'http://127.0.0.1:8080',
    )
  })

  it('publishes OAUTH_RESOURCE rather than PUBLIC_ORIGIN when both are set', () => {
    const config = readConfig({
      ...base,
      PUBLIC_ORIGIN: 'https://lb.example.com',
      OAUTH_RESOURCE: 'https://lb.example.com/v1',
    })
    expect(config.resourceServer).toMatchObject({
      publicOrigin: 'https://lb.example.com',
      resourceMetadata: { resource: 'https://lb.example.com/v1' },
    })
  })

  it('reads the DPoP policy and nonces (OAUTH_DPOP, OAUTH_DPOP_NONCE)', () => {
    const read = (env: Record<string, string>) =>
      readConfig({ ...base, OAUTH_RESOURCE: 'off', ...env }).resourceServer.dpop
    expect(read({})).toBeUndefined()
    expect(read({ OAUTH_DPOP: 'required' })).toBe('required')
    expect(read({ OAUTH_DPOP_NONCE: 'off' })).toBeUndefined()
    expect(read({ OAUTH_DPOP_NONCE: 'on' })).toEqual({ policy: 'allowed', nonce: true })
    const secret = 'x'.repeat(32)
    expect(read({ OAUTH_DPOP: 'required', OAUTH_DPOP_NONCE: secret })).toEqual({
      policy: 'required',
      nonce: { secret },
    })
  })

  it('reads REDIS_CLUSTER_NODES as host:port pairs, and refuses it together with REDIS_URL', () => {
    expect(
      readConfig({ ...base, REDIS_CLUSTER_NODES: 'redis-1:6379, 10.0.0.2:7000,[::1]:7001' })
        .redisClusterNodes,
    ).toEqual([
      { host: 'redis-1', port: 6379 },
      { host: '10.0.0.2', port: 7000 },
      { host: '::1', port: 7001 },
    ])
    for (const value of ['redis-1', 'redis-1:0', 'redis://redis-1:6379', 'a:1,,b:2', ':6379']) {
      expect(() => readConfig({ ...base, REDIS_CLUSTER_NODES: value }), value).toThrow(
        /^REDIS_CLUSTER_NODES must be comma-separated host:port pairs/,
      )
    }
    expect(() =>
      readConfig({ ...base, REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:7000' }),
    ).toThrow(/REDIS_URL .* or REDIS_CLUSTER_NODES .*, not both/)
  })

  it('never repeats REDIS_URL in its errors (it may hold a password)', () => {
    for (const value of [
      'secret-pw@nowhere',
      'http://user:secret-pw@redis:6379',
      'redis://:secret-pw@',
    ]) {
      expect(() => readConfig({ ...base, REDIS_URL: value })).toThrow(/^REDIS_URL /)
      expect(() => readConfig({ ...base, REDIS_URL: value })).not.toThrow(/secret-pw/)
    }
  })

  it.each([
    [{}, /missing environment variable\(s\): OAUTH_ISSUER, OAUTH_AUDIENCE/],
    [
      { ...base, REDIS_URL: 'localhost:6379' },
      /REDIS_URL must start with redis:\/\/ or rediss:\/\//,
    ],
    [{ ...base, REDIS_URL: 'not a url' }, /REDIS_URL is not a URL/],
    [{ ...base, PUBLIC_ORIGIN: 'api.example.com' }, /PUBLIC_ORIGIN is not a URL/],
    [
      { ...base, PUBLIC_ORIGIN: 'http://api.example.com' },
      /PUBLIC_ORIGIN must be an https:\/\/ origin/,
    ],
    [
      { ...base, PUBLIC_ORIGIN: 'https://api.example.com/v1' },
      /PUBLIC_ORIGIN must be an origin only/,
    ],
    [
      { ...base, PUBLIC_ORIGIN: 'https://api.example.com?x=1' },
      /PUBLIC_ORIGIN must be an origin only/,
    ],
    [{ ...base, PORT: 'eighty' }, /PORT must be a port number/],
    [{ ...base, OAUTH_CLIENT_ID: 'api' }, /needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET/],
    [{ ...base, OAUTH_INTROSPECTION_URL: 'https://a.example/i' }, /needs OAUTH_CLIENT_ID/],
    [{ ...base, OAUTH_RESOURCE: 'http://api.example.test' }, /OAUTH_RESOURCE must be an https/],
    [{ ...base, OAUTH_RESOURCE: 'https://api.example.com/#x' }, /OAUTH_RESOURCE must be/],
    [{ ...base, OAUTH_RESOURCE: 'not a url' }, /OAUTH_RESOURCE must be/],
    [{ ...base, OAUTH_DPOP: 'sometimes' }, /OAUTH_DPOP must be disabled, allowed or required/],
    [{ ...base, OAUTH_DPOP_NONCE: 'short' }, /OAUTH_DPOP_NONCE must be on, off or a secret/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => readConfig(env)).toThrow(message)
  })
})
