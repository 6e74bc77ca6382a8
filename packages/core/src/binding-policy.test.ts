import { createHash } from 'node:crypto'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import * as dpopClient from 'dpop'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkBinding, type BindingPolicy } from './binding.js'
import { isOAuthError } from './errors.js'
import type { Logger } from './logger.js'
import type { DpopPolicy } from './dpop-verifier.js'
import type { RequestLike } from './request.js'
import { createResourceServer } from './resource-server.js'

type KeyPair = Awaited<ReturnType<typeof dpopClient.generateKeyPair>>

const AUDIENCE = 'https://api.example.test'
const ORIGIN = 'https://api.example.com'
let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

const CERTIFICATE = new TextEncoder().encode('certificate A')
const X5T = createHash('sha256').update(CERTIFICATE).digest('base64url')

function server(binding: BindingPolicy | undefined, dpop: DpopPolicy = 'allowed', logger?: Logger) {
  return createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    publicOrigin: ORIGIN,
    dpop,
    logger: logger ?? false,
    ...(binding === undefined ? {} : { binding }),
  })
}

const bearer = (token: string, extra: Partial<RequestLike> = {}): RequestLike => ({
  method: 'GET',
  url: '/files',
  headers: { authorization: `Bearer ${token}` },
  ...extra,
})

async function dpopRequest(
  token: string,
  key: KeyPair,
  extra: Partial<RequestLike> = {},
): Promise<RequestLike> {
  const proof = await dpopClient.generateProof(key, `${ORIGIN}/files`, 'GET', undefined, token)
  return {
    method: 'GET',
    url: '/files',
    headers: { authorization: `DPoP ${token}`, dpop: proof },
    ...extra,
  }
}

async function outcome(promise: Promise<{ tokenType: string }>): Promise<string> {
  try {
    return `ok ${(await promise).tokenType}`
  } catch (error) {
    if (isOAuthError(error)) return `${error.status} ${error.code} ${error.reason}`
    throw error
  }
}

async function dpopBound(): Promise<{ key: KeyPair; token: string }> {
  const key = await dpopClient.generateKeyPair('ES256')
  const jkt = await dpopClient.calculateThumbprint(key.publicKey)
  return { key, token: await issuer.sign({ cnf: { jkt } }) }
}

describe("binding: 'required'", () => {
  let rs: ReturnType<typeof server>
  beforeAll(() => {
    rs = server('required')
  })

  it('refuses an unbound token with 401 invalid_token and a clear reason', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const error = await rs.authenticate(bearer(token)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(isOAuthError(error) && `${error.status} ${error.code} ${error.reason}`).toBe(
      '401 invalid_token unbound_token',
    )
    expect(isOAuthError(error) && error.description).toContain('not sender-constrained')
    expect(isOAuthError(error) && error.headers['WWW-Authenticate']).toContain(
      'error="invalid_token"',
    )
    expect(JSON.stringify(error)).not.toContain(token)
  })

  it('accepts a DPoP-bound token with its proof, and refuses it as Bearer', async () => {
    const { key, token } = await dpopBound()
    expect(await outcome(rs.authenticate(await dpopRequest(token, key)))).toBe('ok DPoP')
    expect(await outcome(rs.authenticate(bearer(token)))).toBe('401 invalid_token bearer_downgrade')
  })

  it('accepts a certificate-bound token with its certificate only', async () => {
    const token = await issuer.sign({ cnf: { 'x5t#S256': X5T } })
    expect(await outcome(rs.authenticate(bearer(token, { clientCertificate: CERTIFICATE })))).toBe(
      'ok Bearer',
    )
    expect(await outcome(rs.authenticate(bearer(token)))).toBe(
      '401 invalid_token certificate_binding',
    )
  })

  it('refuses an unbound token sent with the DPoP scheme and a valid proof', async () => {
    const key = await dpopClient.generateKeyPair('ES256')
    const token = await issuer.sign({})
    expect(await outcome(rs.authenticate(await dpopRequest(token, key)))).toBe(
      '401 invalid_token unbound_token',
    )
  })

  it('does not count an introspected token_type DPoP without cnf.jkt as bound', async () => {
    await expect(
      checkBinding(
        { token_type: 'DPoP' },
        { scheme: 'DPoP', clientCertificate: undefined },
        'required',
      ),
    ).rejects.toMatchObject({ reason: 'unbound_token' })
    await expect(
      checkBinding(
        { cnf: { 'vendor-binding': 'x' } },
        { scheme: 'Bearer', clientCertificate: undefined },
        'required',
      ),
    ).rejects.toMatchObject({ reason: 'unbound_token' })
  })

  it("with dpop: 'disabled', only certificate-bound tokens get through", async () => {
    const mtlsOnly = server('required', 'disabled')
    const certBound = await issuer.sign({ cnf: { 'x5t#S256': X5T } })
    expect(
      await outcome(mtlsOnly.authenticate(bearer(certBound, { clientCertificate: CERTIFICATE }))),
    ).toBe('ok Bearer')
    const { key, token } = await dpopBound()
    expect(await outcome(mtlsOnly.authenticate(bearer(token)))).toBe(
      '401 invalid_token bearer_downgrade',
    )
    expect(await outcome(mtlsOnly.authenticate(await dpopRequest(token, key)))).toBe(
      '401 missing_token unsupported_scheme',
    )
    expect(await outcome(mtlsOnly.authenticate(bearer(await issuer.sign({}))))).toBe(
      '401 invalid_token unbound_token',
    )
  })

  it("with dpop: 'required', a certificate-bound token still needs a DPoP proof and key", async () => {
    const both = server('required', 'required')
    const certBound = await issuer.sign({ cnf: { 'x5t#S256': X5T } })
    expect(
      await outcome(both.authenticate(bearer(certBound, { clientCertificate: CERTIFICATE }))),
    ).toBe('401 invalid_token bearer_downgrade')
    const key = await dpopClient.generateKeyPair('ES256')
    expect(
      await outcome(
        both.authenticate(await dpopRequest(certBound, key, { clientCertificate: CERTIFICATE })),
      ),
    ).toBe('401 invalid_token dpop_binding')
  })
})

describe("binding: 'ignored'", () => {
  it('warns loudly at construction', () => {
    const warnings: string[] = []
    const logger: Logger = { warn: (message) => warnings.push(message), error: () => {} }
    server('ignored', 'allowed', logger)
    expect(warnings.some((w) => w.includes("binding: 'ignored' turns off token binding"))).toBe(
      true,
    )
    warnings.length = 0
    server(undefined, 'allowed', logger)
    expect(warnings.some((w) => w.includes('binding'))).toBe(false)
  })

  it('accepts a DPoP-bound token as Bearer and a certificate-bound one without certificate', async () => {
    const rs = server('ignored')
    const { token } = await dpopBound()
    expect(await outcome(rs.authenticate(bearer(token)))).toBe('ok Bearer')
    const certBound = await issuer.sign({ cnf: { 'x5t#S256': X5T } })
    expect(await outcome(rs.authenticate(bearer(certBound)))).toBe('ok Bearer')
    const uncheckable = await issuer.sign({ cnf: { jwk: { kty: 'EC' } } })
    expect(await outcome(rs.authenticate(bearer(uncheckable)))).toBe('ok Bearer')
  })

  it('still verifies a DPoP proof that is sent, and its key binding', async () => {
    const rs = server('ignored')
    const { key, token } = await dpopBound()
    expect(await outcome(rs.authenticate(await dpopRequest(token, key)))).toBe('ok DPoP')
    const other = await dpopClient.generateKeyPair('ES256')
    expect(await outcome(rs.authenticate(await dpopRequest(token, other)))).toBe(
      '401 invalid_token dpop_binding',
    )
    const forged = await dpopRequest(token, key)
    const headers = { ...(forged.headers as Record<string, string>), dpop: 'not-a-proof' }
    expect(await outcome(rs.authenticate({ ...forged, headers }))).toBe(
      '401 invalid_dpop_proof invalid_dpop_proof',
    )
  })

  it("does not lift dpop: 'required'", async () => {
    const rs = server('ignored', 'required')
    const { token } = await dpopBound()
    expect(await outcome(rs.authenticate(bearer(token)))).toBe('401 invalid_token bearer_downgrade')
  })
})

describe("binding: 'checked' (the default)", () => {
  it('accepts unbound tokens and enforces the binding of bound ones', async () => {
    for (const rs of [server(undefined), server('checked')]) {
      expect(await outcome(rs.authenticate(bearer(await issuer.sign({}))))).toBe('ok Bearer')
      const certBound = await issuer.sign({ cnf: { 'x5t#S256': X5T } })
      expect(await outcome(rs.authenticate(bearer(certBound)))).toBe(
        '401 invalid_token certificate_binding',
      )
    }
  })
})
