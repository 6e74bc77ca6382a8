// The authorization server side of the benchmark, as its own process: metadata, a JWKS with
// RS256, ES256 and EdDSA keys, and an RFC 7662 introspection endpoint for opaque tokens. It
// counts the requests per endpoint, which the runner reads over IPC.
import { createServer } from 'node:http'
import { serve } from './ipc.js'
import { AUDIENCE, readKeys } from './keys.js'

const keys = readKeys(process.argv[2] as string)
const counts: Record<string, number> = { metadata: 0, jwks: 0, introspection: 0 }
let origin = ''

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  if (
    path === '/.well-known/openid-configuration' ||
    path === '/.well-known/oauth-authorization-server'
  ) {
    counts.metadata = (counts.metadata ?? 0) + 1
    return json(200, {
      issuer: origin,
      jwks_uri: `${origin}/jwks.json`,
      introspection_endpoint: `${origin}/introspect`,
      token_endpoint: `${origin}/token`,
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'EdDSA'],
    })
  }
  if (path === '/jwks.json') {
    counts.jwks = (counts.jwks ?? 0) + 1
    return json(200, { keys: keys.keys.map((k) => k.publicJwk) })
  }
  if (path === '/introspect' && req.method === 'POST') {
    counts.introspection = (counts.introspection ?? 0) + 1
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token') ?? ''
      if (!token.startsWith('opaque-')) return json(200, { active: false })
      const now = Math.floor(Date.now() / 1000)
      json(200, {
        active: true,
        iss: origin,
        aud: AUDIENCE,
        sub: 'opaque-user',
        client_id: 'bench-client',
        scope: 'files:read',
        token_type: 'Bearer',
        iat: now,
        exp: now + 3600,
      })
    })
    return
  }
  json(404, { error: 'not_found' })
})

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  origin = `http://127.0.0.1:${port}`
  serve({
    counts: () => ({ ...counts }),
    reset: () => {
      for (const key of Object.keys(counts)) counts[key] = 0
      return true
    },
  })
  process.send?.({ ready: true, origin })
})
