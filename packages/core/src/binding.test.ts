import { createHash, X509Certificate } from 'node:crypto'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import * as dpopClient from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkBinding } from './binding.js'
import { isOAuthError } from './errors.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

const AUDIENCE = 'https://api.example.test'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

const der = (text: string): Uint8Array => new TextEncoder().encode(text)
const thumbprint = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('base64url')
const request = (token: string, extra: Partial<RequestLike> = {}): RequestLike => ({
  method: 'GET',
  url: '/',
  headers: { authorization: `Bearer ${token}` },
  ...extra,
})

async function reason(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  return isOAuthError(error) ? `${error.status} ${error.code} ${error.reason}` : String(error)
}

describe('token binding', () => {
  const rs = () => createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE })

  it('refuses a DPoP-bound token sent with the Bearer scheme (RFC 9449 §7.2)', async () => {
    const token = await issuer.sign({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } })
    expect(await reason(rs().authenticate(request(token)))).toBe(
      '401 invalid_token bearer_downgrade',
    )
  })

  it('refuses an introspected token of type DPoP sent as Bearer', async () => {
    await expect(
      checkBinding({ token_type: 'DPoP' }, { scheme: 'Bearer', clientCertificate: undefined }),
    ).rejects.toMatchObject({ reason: 'bearer_downgrade' })
    await expect(
      checkBinding({ token_type: 'Bearer' }, { scheme: 'Bearer', clientCertificate: undefined }),
    ).resolves.toBeUndefined()
  })

  it.each(['jwk', 'jwe', 'jku', 'kid', 'osc'])(
    'fails closed on the registered method cnf.%s, which it cannot check',
    async (method) => {
      const token = await issuer.sign({ cnf: { [method]: 'value' } })
      const error = await rs()
        .authenticate(request(token))
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(isOAuthError(error) && `${error.status} ${error.code} ${error.reason}`).toBe(
        '401 invalid_token unsupported_binding',
      )
      expect(isOAuthError(error) && error.description).toContain(`cnf.${method}`)
    },
  )

  it('fails closed on an uncheckable method next to a checkable one', async () => {
    const certificate = der('certificate A')
    const token = await issuer.sign({
      cnf: { 'x5t#S256': thumbprint(certificate), jwk: { kty: 'EC' } },
    })
    expect(
      await reason(rs().authenticate(request(token, { clientCertificate: certificate }))),
    ).toBe('401 invalid_token unsupported_binding')
  })

  it('ignores confirmation members outside the IANA registry', async () => {
    const token = await issuer.sign({ cnf: { 'x5t#S512': 'abc', 'vendor-binding': { a: 1 } } })
    const auth = await rs().authenticate(request(token))
    expect(auth.confirmation).toEqual({ 'x5t#S512': 'abc', 'vendor-binding': { a: 1 } })
  })

  it('refuses a cnf.jkt that is not a string', async () => {
    const token = await issuer.sign({ cnf: { jkt: 42 } })
    expect(await reason(rs().authenticate(request(token)))).toBe('401 invalid_token invalid_claim')
  })

  it('accepts a Keycloak-style cnf ({ jkt, "kc-jkt-type": "DPoP" }) with its DPoP proof', async () => {
    const key = await dpopClient.generateKeyPair('ES256')
    const jkt = await dpopClient.calculateThumbprint(key.publicKey)
    const token = await issuer.sign({ cnf: { jkt, 'kc-jkt-type': 'DPoP' } })
    const origin = 'https://api.example.com'
    const proof = await dpopClient.generateProof(key, `${origin}/files`, 'GET', undefined, token)
    const auth = await rs().authenticate({
      method: 'GET',
      url: '/files',
      origin,
      headers: { authorization: `DPoP ${token}`, dpop: proof },
    })
    expect(auth.tokenType).toBe('DPoP')
    expect(auth.dpop?.thumbprint).toBe(jkt)
    // Still bound: the same token sent as Bearer is a downgrade.
    expect(await reason(rs().authenticate(request(token)))).toBe(
      '401 invalid_token bearer_downgrade',
    )
  })

  it('accepts a certificate-bound token only with its certificate (RFC 8705 §3)', async () => {
    const certificate = der('certificate A')
    const token = await issuer.sign({ cnf: { 'x5t#S256': thumbprint(certificate) } })
    await expect(
      rs().authenticate(request(token, { clientCertificate: certificate })),
    ).resolves.toBeDefined()
    expect(await reason(rs().authenticate(request(token)))).toBe(
      '401 invalid_token certificate_binding',
    )
    expect(
      await reason(rs().authenticate(request(token, { clientCertificate: der('certificate B') }))),
    ).toBe('401 invalid_token certificate_binding')
  })

  it('reads the certificate from a trusted proxy header only when configured', async () => {
    const pem = SELF_SIGNED_PEM
    const raw = new X509Certificate(pem).raw
    const token = await issuer.sign({ cnf: { 'x5t#S256': thumbprint(raw) } })
    const viaProxy = createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      mtls: { certificateHeader: 'x-client-cert' },
    })
    const headers = { authorization: `Bearer ${token}`, 'x-client-cert': encodeURIComponent(pem) }
    await expect(viaProxy.authenticate({ method: 'GET', url: '/', headers })).resolves.toBeDefined()
    expect(await reason(rs().authenticate({ method: 'GET', url: '/', headers }))).toBe(
      '401 invalid_token certificate_binding',
    )
  })
})

describe('mtls.trustedProxies', () => {
  const viaProxy = (trustedProxies: readonly string[]) =>
    createResourceServer({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      mtls: { certificateHeader: 'x-client-cert', trustedProxies },
    })
  const proxied = async (remoteAddress: string | undefined): Promise<RequestLike> => {
    const raw = new X509Certificate(SELF_SIGNED_PEM).raw
    const token = await issuer.sign({ cnf: { 'x5t#S256': thumbprint(raw) } })
    return {
      method: 'GET',
      url: '/',
      headers: {
        authorization: `Bearer ${token}`,
        'x-client-cert': encodeURIComponent(SELF_SIGNED_PEM),
      },
      remoteAddress,
    }
  }

  it('reads the header from a listed proxy', async () => {
    const rs = viaProxy(['10.0.0.5', '127.0.0.1'])
    await expect(rs.authenticate(await proxied('10.0.0.5'))).resolves.toBeDefined()
  })

  it('treats an IPv4-mapped IPv6 peer as its IPv4 address', async () => {
    const rs = viaProxy(['127.0.0.1'])
    await expect(rs.authenticate(await proxied('::ffff:127.0.0.1'))).resolves.toBeDefined()
  })

  it('ignores the header from any other peer, or an unknown one: 401', async () => {
    const rs = viaProxy(['10.0.0.5'])
    for (const peer of ['10.0.0.6', '::1', undefined]) {
      expect(await reason(rs.authenticate(await proxied(peer))), String(peer)).toBe(
        '401 invalid_token certificate_binding',
      )
    }
  })

  it.each([
    [{ trustedProxies: ['10.0.0.5'] }, /needs mtls.certificateHeader/],
    [{ certificateHeader: 'x-client-cert', trustedProxies: [] }, /non-empty array/],
    [{ certificateHeader: 'x-client-cert', trustedProxies: [''] }, /non-empty array/],
    [{ certificateHeader: 'x client cert' }, /must be a header name/],
  ])('refuses mtls %j', (mtls, message) => {
    expect(() =>
      createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, mtls: mtls as never }),
    ).toThrow(message)
  })
})

// A throwaway self-signed certificate (CN=client.test), used only for its DER bytes.
const SELF_SIGNED_PEM = `-----BEGIN CERTIFICATE-----
MIIBgjCCASegAwIBAgIUHc7itVJXoNUwuDX7ICp7Fca7w1EwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLY2xpZW50LnRlc3QwHhcNMjYxMTIyMDkyMDUxWhcNMzYxMTE5
MDkyMDUxWjAWMRQwEgYDVQQDDAtjbGllbnQudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABF4dpSeNryyfOj/1nzv+IGj4vGy26XvQVVlc0YdHQVQg9Bt6Kb+O
gMgGia+X1eVDVlm6n9B5p3prYMiQo5yi0gqjUzBRMB0GA1UdDgQWBBQkC/2/cZP1
vtDBvnGV83efTO3bYjAfBgNVHSMEGDAWgBQkC/2/cZP1vtDBvnGV83efTO3bYjAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDpQ8YwDTt22eD+FwFZ
Vx7GUvErg+mhpsjDsIRKlyJUrAIhANZCyfgz/b2CvlAvAG3MbqSq7WuDPEg5vui0
kVofklKR
-----END CERTIFICATE-----`
