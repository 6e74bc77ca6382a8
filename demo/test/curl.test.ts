import { describe, expect, it } from 'vitest'
import { curlCommands } from '../src/curl.js'

describe('curlCommands', () => {
  it('gets a token with client_secret_basic and calls the API with it', () => {
    const text = curlCommands({
      tokenEndpoint: 'http://127.0.0.1:4000/token',
      apiUrl: 'http://127.0.0.1:4001',
      audience: 'http://127.0.0.1:4001',
      clients: {
        app: { id: 'demo-app', secret: 's3cret', scopes: ['files:read', 'files:write'] },
        reader: { id: 'demo-reader', secret: 'r3ad', scopes: ['files:read'] },
        api: { id: 'demo-api', secret: 'ap1', scopes: [] },
      },
    }).join('\n')
    expect(text).toContain('curl -s -u demo-app:s3cret')
    expect(text).toContain(
      "-d grant_type=client_credentials -d 'scope=files:read files:write' -d resource=http://127.0.0.1:4001",
    )
    expect(text).toContain('curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:4001/files')
    expect(text).toContain('curl -s -u demo-reader:r3ad')
  })
})
