import { describe, expect, it } from 'vitest'
import { readMcpConfig } from '../src/config.js'

const base = {
  OAUTH_ISSUER: 'https://auth.example.com',
  OAUTH_AUDIENCE: 'http://127.0.0.1:3000/mcp',
}

describe('readMcpConfig', () => {
  it('publishes the MCP scopes for the audience, the MCP endpoint', () => {
    expect(readMcpConfig(base).resourceServer.resourceMetadata).toMatchObject({
      resource: 'http://127.0.0.1:3000/mcp',
      scopesSupported: ['mcp:tools', 'mcp:admin'],
      resourceName: 'scopeguard example MCP server',
    })
  })

  it('puts the MCP path after PUBLIC_ORIGIN, and takes OAUTH_RESOURCE as given', () => {
    const behindProxy = readMcpConfig({ ...base, PUBLIC_ORIGIN: 'https://mcp.example.com' })
    expect(behindProxy.resourceServer.resourceMetadata?.resource).toBe(
      'https://mcp.example.com/mcp',
    )
    const explicit = readMcpConfig({
      ...base,
      PUBLIC_ORIGIN: 'https://mcp.example.com',
      OAUTH_RESOURCE: 'https://mcp.example.com/v2/mcp',
    })
    expect(explicit.resourceServer.resourceMetadata?.resource).toBe(
      'https://mcp.example.com/v2/mcp',
    )
  })

  it('publishes nothing with OAUTH_RESOURCE=off, and names a missing variable', () => {
    expect(readMcpConfig({ ...base, OAUTH_RESOURCE: 'off' }).resourceServer.resourceMetadata).toBe(
      undefined,
    )
    expect(() => readMcpConfig({ OAUTH_ISSUER: 'https://auth.example.com' })).toThrow(
      /OAUTH_AUDIENCE/,
    )
  })
})
