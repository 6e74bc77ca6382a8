import { createHash, X509Certificate } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestCertificate, type TestCertificate } from './certificate.js'
import { rawRequest } from './raw-request.js'

let server: Server
let origin: string
let client: TestCertificate

beforeAll(async () => {
  const serverCertificate = await createTestCertificate({
    commonName: 'localhost',
    altNames: ['IP:127.0.0.1'],
  })
  client = await createTestCertificate({ commonName: 'client-a' })
  server = createServer(
    {
      cert: serverCertificate.certificate,
      key: serverCertificate.privateKey,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate()
      res.end(JSON.stringify({ raw: peer.raw?.toString('base64') ?? null }))
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('createTestCertificate', () => {
  it('makes a parseable self-signed certificate whose thumbprint is the SHA-256 of its DER', () => {
    const parsed = new X509Certificate(client.certificate)
    expect(parsed.subject).toBe('CN=client-a')
    expect(Buffer.from(client.der).equals(parsed.raw)).toBe(true)
    expect(client.thumbprint).toBe(createHash('sha256').update(parsed.raw).digest('base64url'))
    expect(client.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('makes a different certificate every time', async () => {
    const other = await createTestCertificate({ commonName: 'client-a' })
    expect(other.thumbprint).not.toBe(client.thumbprint)
  })

  it('refuses a common name it would have to escape', async () => {
    await expect(createTestCertificate({ commonName: 'a/CN=b' })).rejects.toThrow(/commonName/)
  })
})

describe('rawRequest over TLS', () => {
  it('presents the client certificate to an https server', async () => {
    const response = await rawRequest(origin, {
      path: '/',
      clientCertificate: client,
    })
    expect(response.status).toBe(200)
    const { raw } = JSON.parse(response.body) as { raw: string }
    expect(raw).toBe(Buffer.from(client.der).toString('base64'))
  })

  it('connects without a client certificate', async () => {
    const response = await rawRequest(origin, { path: '/' })
    expect(JSON.parse(response.body)).toEqual({ raw: null })
  })
})
