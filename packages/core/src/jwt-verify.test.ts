import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createTestIssuer, generateTestKey, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  InsufficientScopeError,
  InvalidTokenError,
  isOAuthError,
  type OAuthError,
  type OAuthErrorReason,
} from './errors.js'
import { createJwtVerifier, type JwtVerifierConfig } from './jwt-verify.js'
import { ASYMMETRIC_ALGORITHMS, secretSource } from './key-source.js'
import { silentLogger } from './logger.js'
import { remoteJwksSource } from './remote-jwks.js'

const AUDIENCE = 'https://api.example.test'
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']
let issuer: TestIssuer

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
})
afterAll(async () => {
  await issuer.close()
})

/** A verifier over the issuer's real JWKS endpoint (a fresh key source each time). */
function verifier(overrides: Partial<JwtVerifierConfig> = {}, from: TestIssuer = issuer) {
  const keys =
    overrides.keys ??
    remoteJwksSource({
      url: from.jwksUri,
      fetch: globalThis.fetch,
      logger: silentLogger,
      now: Date.now,
    })
  return createJwtVerifier({
    issuer: from.issuer,
    audiences: [AUDIENCE],
    algorithms: ASYMMETRIC_ALGORITHMS,
    keys,
    clockTolerance: 5,
    maxTokenAge: undefined,
    requiredClaims: ['exp'],
    strictType: false,
    validators: [],
    now: Date.now,
    logger: silentLogger,
    ...overrides,
  })
}

const lenient = () => verifier()
const strict = () => verifier({ strictType: true, requiredClaims: RFC9068_CLAIMS })
const nowSeconds = () => Math.floor(Date.now() / 1000)

/** Verifying `token` must fail with 401 invalid_token and `reason`, without echoing the token. */
async function expectRejected(
  verify: (token: string) => Promise<unknown>,
  token: string,
  reason: OAuthErrorReason,
): Promise<OAuthError> {
  let error: unknown
  try {
    await verify(token)
  } catch (e) {
    error = e
  }
  expect(error, `expected the token to be rejected (${reason})`).toBeInstanceOf(InvalidTokenError)
  const oauth = error as OAuthError
  expect(oauth.code).toBe('invalid_token')
  expect(oauth.status).toBe(401)
  expect(oauth.reason).toBe(reason)
  // long enough not to occur by chance in a description
  const rendered = JSON.stringify([oauth.message, oauth.headers, oauth.toJSON()])
  for (const part of [token, ...token.split('.')]) {
    if (part.length >= 16) expect(rendered).not.toContain(part)
  }
  return oauth
}

describe('a valid token', () => {
  it('is accepted with its header and claims', async () => {
    const token = await issuer.sign({ scope: 'files:read' })
    const { protectedHeader, payload } = await strict()(token)
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' })
    expect(payload).toMatchObject({
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: 'user-123',
      client_id: 'client-abc',
      scope: 'files:read',
    })
  })

  it('is accepted for ES256 and EdDSA keys', async () => {
    const verify = lenient()
    for (const alg of ['ES256', 'EdDSA'] as const) {
      expect((await verify(await issuer.sign({}, { alg }))).protectedHeader.alg).toBe(alg)
    }
  })
})

describe('typ header (RFC 9068 §4, RFC 8725 §3.11)', () => {
  it.each(['at+jwt', 'application/at+jwt', 'AT+JWT', 'at+JWT', 'Application/AT+JWT'])(
    'accepts %j in strict mode',
    async (typ) => {
      await expect(strict()(await issuer.sign({}, { typ }))).resolves.toBeDefined()
    },
  )

  it.each([
    ['JWT', 'JWT'],
    ['jwt', 'jwt'],
    ['absent', null],
    ['application/jwt', 'application/jwt'],
  ])('rejects typ %s in strict mode', async (_what, typ) => {
    await expectRejected(strict(), await issuer.sign({}, { typ }), 'unsupported_token_type')
  })

  it.each([
    ['absent', null],
    ['JWT', 'JWT'],
    ['application/jwt', 'application/jwt'],
    ['at+jwt', 'at+jwt'],
  ])('accepts typ %s in lenient mode', async (_what, typ) => {
    await expect(lenient()(await issuer.sign({}, { typ }))).resolves.toBeDefined()
  })

  it.each(['dpop+jwt', 'secevent+jwt', 'logout+jwt', 'at+jwe', ''])(
    'rejects typ %j in both modes',
    async (typ) => {
      const token = await issuer.sign({}, { typ })
      await expectRejected(strict(), token, 'unsupported_token_type')
      await expectRejected(lenient(), token, 'unsupported_token_type')
    },
  )

  it('rejects a typ that is not a string', async () => {
    const token = await issuer.sign({}, { header: { typ: 1 } })
    const error = await expectRejected(lenient(), token, 'unsupported_token_type')
    expect(error.description).toMatch(/malformed/)
  })

  it('checks typ before asking for keys', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    try {
      down.setFault('jwks', { status: 500 })
      await expectRejected(
        verifier({}, down),
        await down.sign({}, { typ: 'dpop+jwt' }),
        'unsupported_token_type',
      )
      expect(down.requestCount('jwks')).toBe(0)
    } finally {
      await down.close()
    }
  })
})

describe('algorithms (RFC 8725 §3.1)', () => {
  it('rejects alg none with an empty signature', async () => {
    await expectRejected(lenient(), await issuer.sign({}, { alg: 'none' }), 'algorithm_not_allowed')
  })

  it('rejects an algorithm outside the allowlist', async () => {
    const onlyRs256 = verifier({ algorithms: ['RS256'] })
    await expectRejected(
      onlyRs256,
      await issuer.sign({}, { alg: 'ES256' }),
      'algorithm_not_allowed',
    )
    await expectRejected(
      onlyRs256,
      await issuer.sign({}, { alg: 'PS256' }),
      'algorithm_not_allowed',
    )
    await expect(onlyRs256(await issuer.sign())).resolves.toBeDefined()
  })

  it('rejects HS256 signed with the RSA public key as the HMAC secret (key confusion)', async () => {
    const pem = await issuer.sign({}, { alg: 'HS256', secret: issuer.publicKeyPem() })
    const jwk = await issuer.sign({}, { alg: 'HS256', secret: JSON.stringify(issuer.publicJwk()) })
    await expectRejected(lenient(), pem, 'algorithm_not_allowed')
    await expectRejected(lenient(), jwk, 'algorithm_not_allowed')
    // even with HS256 wrongly allowed, a JWK Set never hands out a key for it
    const misconfigured = verifier({ algorithms: [...ASYMMETRIC_ALGORITHMS, 'HS256'] })
    await expectRejected(misconfigured, pem, 'algorithm_not_allowed')
  })

  it('rejects an ES256 header whose kid names the RSA key', async () => {
    const token = await issuer.sign(
      {},
      { alg: 'ES256', kid: issuer.publicJwk('RS256')['kid'] as string },
    )
    await expectRejected(lenient(), token, 'no_matching_key')
  })

  it('rejects an ES256 header over a P-384 key, even a published one', async () => {
    const own = await createTestIssuer({ audience: AUDIENCE })
    try {
      const token = await own.sign({}, { alg: 'ES384', header: { alg: 'ES256' }, publish: true })
      expect(own.jwks().keys.map((k) => k['crv'])).toContain('P-384')
      await expectRejected(verifier({}, own), token, 'no_matching_key')
    } finally {
      await own.close()
    }
  })

  it('rejects RS384 and PS256 made with a key published for RS256 only', async () => {
    await expectRejected(lenient(), await issuer.sign({}, { alg: 'RS384' }), 'no_matching_key')
    await expectRejected(lenient(), await issuer.sign({}, { alg: 'PS256' }), 'no_matching_key')
  })
})

describe('keys come only from the issuer (RFC 8725 §3.10)', () => {
  let attackerOrigin: string
  let attackerRequests: string[]
  let closeAttacker: () => Promise<void>

  beforeAll(async () => {
    attackerRequests = []
    const server = createServer((req, res) => {
      attackerRequests.push(req.url ?? '')
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"keys":[]}')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    attackerOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    closeAttacker = () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  })
  afterAll(async () => {
    await closeAttacker()
  })

  it('ignores embedded jwk, jku, x5u and x5c headers naming an attacker key, and never calls them', async () => {
    const attacker = await generateTestKey('RS256')
    const header = {
      jwk: attacker.publicJwk,
      jku: `${attackerOrigin}/jwks`,
      x5u: `${attackerOrigin}/cert.pem`,
      x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
    }
    const ownKid = await issuer.sign(
      {},
      { privateKey: attacker.privateKey, kid: attacker.kid, header },
    )
    const issuerKid = await issuer.sign({}, { privateKey: attacker.privateKey, header })
    const noKid = await issuer.sign({}, { privateKey: attacker.privateKey, kid: null, header })
    const verify = lenient()
    await expectRejected(verify, ownKid, 'no_matching_key')
    await expectRejected(verify, issuerKid, 'bad_signature')
    await expectRejected(verify, noKid, 'bad_signature')
    expect(attackerRequests).toEqual([])
  })

  it('rejects a token signed by a foreign key that claims the issuer kid', async () => {
    const foreign = await generateTestKey('ES256')
    const token = await issuer.sign({}, { privateKey: foreign.privateKey })
    await expectRejected(lenient(), token, 'bad_signature')
  })

  it('rejects a token whose kid the JWKS does not publish', async () => {
    await expectRejected(lenient(), await issuer.sign({}, { alg: 'ES384' }), 'no_matching_key')
  })

  it('rejects a kid that is not a string before any key lookup', async () => {
    await expectRejected(
      lenient(),
      await issuer.sign({}, { header: { kid: 7 } }),
      'malformed_token',
    )
  })
})

describe('crit header (RFC 7515 §4.1.11)', () => {
  it('rejects an unknown critical extension as an unsupported header, not an algorithm problem', async () => {
    const token = await issuer.sign({}, { header: { crit: ['x-unknown'], 'x-unknown': 1 } })
    const error = await expectRejected(lenient(), token, 'malformed_token')
    expect(error.description).toMatch(/critical header/)
  })

  it.each([
    ['an empty crit', { crit: [] }],
    ['a non-array crit', { crit: 'x-unknown', 'x-unknown': 1 }],
    ['a registered name in crit', { crit: ['exp'] }],
    ['a crit naming an absent parameter', { crit: ['x-absent'] }],
  ])('rejects %s', async (_what, header) => {
    await expectRejected(lenient(), await issuer.sign({}, { header }), 'malformed_token')
  })
})

describe('issuer (RFC 9068 §4: exact match)', () => {
  it.each([
    ['a trailing slash', () => `${issuer.issuer}/`],
    ['case', () => issuer.issuer.toUpperCase()],
    ['another issuer', () => 'https://evil.example.test'],
    ['a non-string', () => 42],
  ])('rejects an iss that differs by %s', async (_what, iss) => {
    await expectRejected(lenient(), await issuer.sign({ iss: iss() }), 'issuer_mismatch')
  })

  it('rejects a token without iss', async () => {
    const error = await expectRejected(
      lenient(),
      await issuer.sign({ iss: undefined }),
      'missing_claim',
    )
    expect(error.description).toContain('iss')
  })
})

describe('audience', () => {
  it('rejects a string aud naming another resource', async () => {
    await expectRejected(
      lenient(),
      await issuer.sign({ aud: 'https://other.test' }),
      'audience_mismatch',
    )
  })

  it('accepts an array aud that contains this resource', async () => {
    await expect(
      lenient()(await issuer.sign({ aud: ['https://other.test', AUDIENCE] })),
    ).resolves.toBeDefined()
  })

  it('rejects an array aud that does not contain it', async () => {
    await expectRejected(
      lenient(),
      await issuer.sign({ aud: ['https://other.test', `${AUDIENCE}/`] }),
      'audience_mismatch',
    )
  })

  it('rejects a missing aud', async () => {
    await expectRejected(lenient(), await issuer.sign({ aud: undefined }), 'missing_claim')
  })

  it('accepts any of several configured audiences', async () => {
    const verify = verifier({ audiences: ['https://a.test', AUDIENCE] })
    await expect(verify(await issuer.sign({ aud: 'https://a.test' }))).resolves.toBeDefined()
    await expect(verify(await issuer.sign())).resolves.toBeDefined()
  })

  it('rejects an ID token whose aud is the client', async () => {
    const idToken = await issuer.sign({ aud: 'client-abc', nonce: 'n-0S6_WzA2Mj' }, { typ: 'JWT' })
    await expectRejected(lenient(), idToken, 'audience_mismatch')
  })
})

describe('time claims (leeway 5 s)', () => {
  it('rejects an expired token', async () => {
    await expectRejected(lenient(), await issuer.sign({}, { expiresIn: -60 }), 'expired')
  })

  it('accepts a token expired within the leeway', async () => {
    await expect(lenient()(await issuer.sign({}, { expiresIn: -2 }))).resolves.toBeDefined()
  })

  it('rejects an exp that is a string', async () => {
    const token = await issuer.sign({ exp: String(nowSeconds() + 300) })
    const error = await expectRejected(lenient(), token, 'invalid_claim')
    expect(error.description).toContain('exp')
  })

  it('rejects a token without exp', async () => {
    await expectRejected(lenient(), await issuer.sign({ exp: undefined }), 'missing_claim')
  })

  it('rejects an nbf in the future, and accepts one within the leeway', async () => {
    await expectRejected(lenient(), await issuer.sign({ nbf: nowSeconds() + 60 }), 'not_yet_valid')
    await expect(lenient()(await issuer.sign({ nbf: nowSeconds() + 2 }))).resolves.toBeDefined()
  })

  it('rejects an iat in the future, and accepts one within the leeway', async () => {
    await expectRejected(
      lenient(),
      await issuer.sign({ iat: nowSeconds() + 60 }),
      'issued_in_future',
    )
    await expect(lenient()(await issuer.sign({ iat: nowSeconds() + 2 }))).resolves.toBeDefined()
  })

  it('rejects an iat in the future with maxTokenAge set too', async () => {
    const verify = verifier({ maxTokenAge: 600 })
    await expectRejected(verify, await issuer.sign({ iat: nowSeconds() + 60 }), 'issued_in_future')
  })

  it('rejects an iat that is not a number', async () => {
    await expectRejected(lenient(), await issuer.sign({ iat: 'yesterday' }), 'invalid_claim')
  })

  it('maxTokenAge: rejects a token issued too long ago, accepts a younger one, requires iat', async () => {
    const verify = verifier({ maxTokenAge: 60 })
    await expectRejected(verify, await issuer.sign({ iat: nowSeconds() - 120 }), 'too_old')
    await expect(verify(await issuer.sign({ iat: nowSeconds() - 30 }))).resolves.toBeDefined()
    await expectRejected(verify, await issuer.sign({ iat: undefined }), 'missing_claim')
  })

  it('judges exp, nbf and iat by the configured clock', async () => {
    const inTenMinutes = () => Date.now() + 600_000
    const token = await issuer.sign() // valid for 300 s from now
    await expectRejected(verifier({ now: inTenMinutes }), token, 'expired')
    const later = await issuer.sign(
      { nbf: nowSeconds() + 300, iat: nowSeconds() + 300 },
      { expiresIn: 900 },
    )
    await expectRejected(lenient(), later, 'not_yet_valid')
    await expect(verifier({ now: inTenMinutes })(later)).resolves.toBeDefined()
    const old = await issuer.sign({ iat: nowSeconds() }, { expiresIn: 3600 })
    await expectRejected(verifier({ now: inTenMinutes, maxTokenAge: 300 }), old, 'too_old')
  })
})

describe('required claims (strict profile, RFC 9068 §2.2)', () => {
  it.each(RFC9068_CLAIMS)('rejects a token without %s', async (claim) => {
    const error = await expectRejected(
      strict(),
      await issuer.sign({ [claim]: undefined }),
      'missing_claim',
    )
    expect(error.description).toBe(`The access token has no ${claim} claim`)
  })

  it('lenient mode does not require sub, client_id, iat or jti', async () => {
    const token = await issuer.sign({
      sub: undefined,
      client_id: undefined,
      iat: undefined,
      jti: undefined,
    })
    await expect(lenient()(token)).resolves.toBeDefined()
  })

  it('requires configured extra claims', async () => {
    const verify = verifier({ requiredClaims: ['exp', 'tenant'] })
    await expectRejected(verify, await issuer.sign(), 'missing_claim')
    await expect(verify(await issuer.sign({ tenant: 'acme' }))).resolves.toBeDefined()
  })
})

describe('malformed tokens', () => {
  it('rejects a flipped signature', async () => {
    await expectRejected(lenient(), tamper(await issuer.sign()), 'bad_signature')
  })

  it('rejects a changed payload under the original signature', async () => {
    const [header, , signature] = (await issuer.sign()).split('.')
    const payload = Buffer.from(
      JSON.stringify({ iss: issuer.issuer, aud: AUDIENCE, exp: nowSeconds() + 60, sub: 'admin' }),
    ).toString('base64url')
    await expectRejected(lenient(), `${header}.${payload}.${signature}`, 'bad_signature')
  })

  it('rejects a five-segment JWE-looking token', async () => {
    const header = Buffer.from('{"alg":"RSA-OAEP-256","enc":"A256GCM","typ":"at+jwt"}').toString(
      'base64url',
    )
    await expectRejected(lenient(), `${header}.ZW5j.aXY.Y2lwaGVy.dGFn`, 'malformed_token')
  })

  it.each([
    ['one segment', 'abc'],
    ['garbage segments', 'a.b.c'],
    ['an empty string', ''],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.c2ln`],
  ])('rejects %s', async (_what, token) => {
    await expectRejected(lenient(), token, 'malformed_token')
  })

  it('rejects a payload that is not JSON, or not an object', async () => {
    await expectRejected(
      lenient(),
      await issuer.sign({}, { rawPayload: '{"sub":"a",' }),
      'malformed_token',
    )
    await expectRejected(
      lenient(),
      await issuer.sign({}, { rawPayload: '["a"]' }),
      'malformed_token',
    )
  })
})

describe('ID tokens presented as access tokens (RFC 8725 §3.12)', () => {
  it.each([
    ['typ JWT with nonce', { nonce: 'abc' }, 'JWT'],
    ['no typ with nonce', { nonce: 'abc' }, null],
    ['typ JWT with at_hash', { at_hash: 'x' }, 'JWT'],
  ])('rejects %s even with the right audience', async (_what, claims, typ) => {
    const error = await expectRejected(
      lenient(),
      await issuer.sign(claims, { typ }),
      'unsupported_token_type',
    )
    expect(error.description).toMatch(/ID token/)
  })

  it('accepts a nonce in an explicitly typed at+jwt', async () => {
    await expect(lenient()(await issuer.sign({ nonce: 'abc' }))).resolves.toBeDefined()
  })
})

describe('key kind and algorithm family', () => {
  it('never verifies an RS256 token with a secret source, whatever the algorithm list', async () => {
    const verify = createJwtVerifier({
      issuer: issuer.issuer,
      audiences: [AUDIENCE],
      algorithms: ['RS256', 'HS256'],
      keys: secretSource('s'.repeat(32), ['HS256']),
      clockTolerance: 5,
      maxTokenAge: undefined,
      requiredClaims: ['exp'],
      strictType: false,
      validators: [],
      now: Date.now,
      logger: silentLogger,
    })
    await expectRejected(verify, await issuer.sign(), 'algorithm_not_allowed')
  })

  it('never hands an HS256 token to an asymmetric source, whatever the algorithm list', async () => {
    const verify = verifier({ algorithms: [...ASYMMETRIC_ALGORITHMS, 'HS256'] })
    const token = await issuer.sign({}, { alg: 'HS256', secret: issuer.publicKeyPem('RS256') })
    await expectRejected(verify, token, 'algorithm_not_allowed')
  })
})

describe('claim validators', () => {
  it('rejects on false with a generic description', async () => {
    const verify = verifier({ validators: [() => false] })
    const error = await expectRejected(verify, await issuer.sign(), 'claim_validator')
    expect(error.description).toBe('The access token failed a claim check')
  })

  it('rejects on a string, which becomes the description', async () => {
    const verify = verifier({
      validators: [(claims) => (claims['tenant'] === 'acme' ? true : 'Unknown tenant')],
    })
    const error = await expectRejected(
      verify,
      await issuer.sign({ tenant: 'other' }),
      'claim_validator',
    )
    expect(error.description).toBe('Unknown tenant')
    expect(error.headers['WWW-Authenticate']).toContain('error_description="Unknown tenant"')
    await expect(verify(await issuer.sign({ tenant: 'acme' }))).resolves.toBeDefined()
  })

  it('fails closed when a validator returns something unexpected (null, 0, an object)', async () => {
    for (const verdict of [null, 0, {}, '']) {
      const verify = verifier({ validators: [() => verdict as never] })
      await expectRejected(verify, await issuer.sign(), 'claim_validator')
    }
  })

  it('awaits async validators', async () => {
    const slowNo = verifier({
      validators: [
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 10))
          return false
        },
      ],
    })
    await expectRejected(slowNo, await issuer.sign(), 'claim_validator')
    const slowText = verifier({ validators: [async () => 'Revoked'] })
    expect(
      (await expectRejected(slowText, await issuer.sign(), 'claim_validator')).description,
    ).toBe('Revoked')
    const slowYes = verifier({ validators: [async () => undefined, async () => true] })
    await expect(slowYes(await issuer.sign())).resolves.toBeDefined()
  })

  it('runs validators in order with the verified claims and header; the first failure wins', async () => {
    const calls: string[] = []
    const verify = verifier({
      validators: [
        (claims, header) => {
          calls.push(`first:${String(claims['sub'])}:${String(header.alg)}`)
        },
        () => {
          calls.push('second')
          return 'second says no'
        },
        () => {
          calls.push('third')
          return false
        },
      ],
    })
    expect((await expectRejected(verify, await issuer.sign(), 'claim_validator')).description).toBe(
      'second says no',
    )
    expect(calls).toEqual(['first:user-123:RS256', 'second'])
  })

  it('does not run validators for a token that fails verification', async () => {
    let ran = false
    const verify = verifier({
      validators: [
        () => {
          ran = true
        },
      ],
    })
    await expectRejected(verify, tamper(await issuer.sign()), 'bad_signature')
    expect(ran).toBe(false)
  })

  it('lets a validator throw its own OAuthError', async () => {
    const own = new InsufficientScopeError([], 'Step-up required')
    const verify = verifier({
      validators: [
        () => {
          throw own
        },
      ],
    })
    await expect(verify(await issuer.sign())).rejects.toBe(own)
  })
})

describe('several keys and no kid', () => {
  let rotating: TestIssuer
  beforeAll(async () => {
    rotating = await createTestIssuer({ audience: AUDIENCE })
  })
  afterAll(async () => {
    await rotating.close()
  })

  it('tries each candidate key of the right type', async () => {
    const oldKid = rotating.publicJwk()['kid'] as string
    await rotating.rotateKey()
    expect(rotating.jwks().keys.filter((k) => k['kty'] === 'RSA')).toHaveLength(2)
    const verify = verifier({}, rotating)
    const byNew = await rotating.sign({}, { kid: null })
    const byOld = await rotating.sign({}, { kid: null, keyId: oldKid })
    expect((await verify(byNew)).protectedHeader.kid).toBeUndefined()
    await expect(verify(byOld)).resolves.toBeDefined()
  })

  it('rejects a bad signature after trying every candidate', async () => {
    const verify = verifier({}, rotating)
    await expectRejected(verify, tamper(await rotating.sign({}, { kid: null })), 'bad_signature')
    const foreign = await generateTestKey('RS256')
    await expectRejected(
      verify,
      await rotating.sign({}, { kid: null, privateKey: foreign.privateKey }),
      'bad_signature',
    )
  })

  it('still applies claim checks to a token verified by a later candidate', async () => {
    const verify = verifier({}, rotating)
    await expectRejected(verify, await rotating.sign({}, { kid: null, expiresIn: -60 }), 'expired')
  })
})

describe('key source failures', () => {
  it('passes a 503 through when keys cannot be loaded', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    try {
      down.setFault('jwks', { status: 500 })
      const token = await down.sign()
      let error: unknown
      try {
        await verifier({}, down)(token)
      } catch (e) {
        error = e
      }
      expect(isOAuthError(error)).toBe(true)
      expect((error as OAuthError).status).toBe(503)
      expect((error as OAuthError).code).toBe('temporarily_unavailable')
    } finally {
      await down.close()
    }
  })
})
