import { generateTestKey } from '@scopeguard/testing'
import fc from 'fast-check'
import { createLocalJWKSet, type JWSHeaderParameters } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { numRuns } from '../test/num-runs.js'
import { parseChallenges, sanitizeChallengeValue } from './challenge.js'
import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
} from './errors.js'
import { extractToken, resolveExtraction } from './extract.js'
import { createJwtVerifier } from './jwt-verify.js'
import { staticJwksSource, usableVerificationKeys, type KeySource } from './key-source.js'
import { silentLogger } from './logger.js'
import type { RequestLike } from './request.js'
import { createScopeReader } from './scopes.js'

/**
 * Properties over everything that reads attacker-controlled input. Each says: whatever the
 * input, only the library's typed errors escape. `FAST_CHECK_NUM_RUNS` raises the run counts
 * (see `scripts/fuzz.mjs`).
 */

const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/** Strings near the Authorization grammar, plus anything at all. */
const authorizationValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({
    unit: fc.constantFrom(...'Bearer bearer Basic=,.\t "\\-_~+/aZ09\u0000é'),
    maxLength: 40,
  }),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'DPoP', 'Bearer ', ''),
      fc.constantFrom(' ', '  ', '\t', ''),
      fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~+/=, '), maxLength: 30 }),
    )
    .map(([scheme, space, rest]) => `${scheme}${space}${rest}`),
)

const headerValue = fc.oneof(
  authorizationValue,
  fc.array(authorizationValue, { maxLength: 3 }),
  fc.constant(undefined),
)

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'get', 'weird'),
  url: fc.oneof(
    fc.constant('/files'),
    fc
      .string({ unit: fc.constantFrom(...'abc=&?%/#access_token'), maxLength: 40 })
      .map((q) => `/files?${q}`),
    fc.webUrl({ withQueryParameters: true }),
  ),
  authorization: headerValue,
  rawAuthorizations: fc.option(fc.array(authorizationValue, { maxLength: 3 }), { nil: undefined }),
  contentType: fc.option(fc.constantFrom('application/x-www-form-urlencoded', 'text/plain'), {
    nil: undefined,
  }),
  body: fc.option(
    fc.oneof(
      fc.dictionary(
        fc.constantFrom('access_token', 'x'),
        fc.oneof(fc.string(), fc.array(fc.string())),
      ),
      fc.jsonValue(),
    ),
    { nil: undefined },
  ),
})

type GeneratedRequest = typeof request extends fc.Arbitrary<infer T> ? T : never

function toRequestLike(r: GeneratedRequest): RequestLike {
  const headers: Record<string, string | string[] | undefined> = {}
  if (r.authorization !== undefined) headers['authorization'] = r.authorization
  if (r.contentType !== undefined) headers['content-type'] = r.contentType
  return {
    method: r.method,
    url: r.url,
    headers,
    ...(r.rawAuthorizations === undefined
      ? {}
      : { rawHeaders: r.rawAuthorizations.flatMap((value) => ['Authorization', value]) }),
    ...(r.body === undefined ? {} : { body: r.body }),
  }
}

describe('token extraction', () => {
  const configs = [
    resolveExtraction(),
    resolveExtraction({ query: true, body: true }),
    resolveExtraction({ query: 'token', maxTokenLength: 16 }),
  ]

  it('on any request, returns a well-formed token or throws a 400/401 typed error', () => {
    fc.assert(
      fc.property(request, fc.constantFrom(...configs), (r, options) => {
        let extracted
        try {
          extracted = extractToken(toRequestLike(r), options)
        } catch (error) {
          expect(
            error instanceof InvalidRequestError ||
              error instanceof MissingTokenError ||
              error instanceof InvalidTokenError,
            String(error),
          ).toBe(true)
          expect([400, 401]).toContain((error as { status: number }).status)
          return
        }
        expect(extracted.token).toMatch(B64TOKEN)
        expect(extracted.token.length).toBeLessThanOrEqual(options.maxTokenLength)
      }),
      { numRuns: numRuns(1000) },
    )
  })
})

describe('challenges', () => {
  const description = fc.string({ unit: 'binary', maxLength: 80 })
  const scope = fc.array(
    fc.string({ unit: fc.constantFrom(...'abc:._-*/\u00e9"\\'), minLength: 1, maxLength: 10 }),
    {
      maxLength: 4,
    },
  )

  it('every error challenge parses back to its scheme, realm, error, description and scope', () => {
    fc.assert(
      fc.property(
        description,
        scope,
        fc.string({ unit: fc.constantFrom(...'apiAPI-_. "é'), minLength: 1, maxLength: 12 }),
        (text, scopes, realm) => {
          for (const error of [
            new InvalidTokenError(text).withChallenge({ realm }),
            new InvalidRequestError(text).withChallenge({ realm }),
            new InsufficientScopeError(scopes, text).withChallenge({ realm }),
          ]) {
            const header = error.headers['WWW-Authenticate'] as string
            const parsed = parseChallenges(header)
            expect(parsed).toHaveLength(1)
            expect(parsed[0]?.scheme).toBe('Bearer')
            const params = parsed[0]?.params ?? {}
            // What the builder was given comes back, sanitised to RFC 6750's charset.
            expect(params['error']).toBe(error.code)
            expect(params['error_description']).toBe(sanitizeChallengeValue(text))
            expect(params['realm']).toBe(sanitizeChallengeValue(realm))
            if (error instanceof InsufficientScopeError && scopes.length > 0) {
              expect(params['scope']).toBe(sanitizeChallengeValue(scopes.join(' ')))
            }
            expect(header).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/)
          }
        },
      ),
      { numRuns: numRuns(500) },
    )
  })
})

describe('scope claims', () => {
  const reader = createScopeReader({ implies: { 'files:write': ['files:read'] } })
  const value = fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), fc.jsonValue()), {
      maxLength: 6,
    }),
  )

  it('yields unique, non-empty scope strings (split on spaces in string claims), or a 401 invalid_claim', () => {
    fc.assert(
      fc.property(
        fc.record({ scope: value, scp: value, permissions: value }, { requiredKeys: [] }),
        (claims) => {
          let granted: string[]
          try {
            granted = reader.granted(claims)
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidTokenError)
            expect((error as InvalidTokenError).reason).toBe('invalid_claim')
            return
          }
          expect(new Set(granted).size).toBe(granted.length)
          for (const scope of granted) {
            expect(typeof scope).toBe('string')
            expect(scope).not.toBe('')
            if (typeof claims.scope === 'string' && claims.scope.includes(scope)) {
              expect(scope).not.toMatch(/ /)
            }
          }
          const effective = reader.effective(granted)
          for (const scope of granted) expect(effective.has(scope)).toBe(true)
        },
      ),
      { numRuns: numRuns(1000) },
    )
  })
})

describe('JWK Sets', () => {
  const jwk = fc.record(
    {
      kty: fc.oneof(fc.constantFrom('RSA', 'EC', 'OKP', 'oct', 'rsa', ''), fc.jsonValue()),
      kid: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue()),
      use: fc.oneof(fc.constantFrom('sig', 'enc'), fc.jsonValue()),
      alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'EdDSA', 'HS256', 'none'), fc.jsonValue()),
      crv: fc.oneof(fc.constantFrom('P-256', 'Ed25519', 'X25519'), fc.jsonValue()),
      n: fc.base64String({ maxLength: 20 }),
      e: fc.constantFrom('AQAB', '', 'AA'),
      x: fc.base64String({ maxLength: 20 }),
      y: fc.base64String({ maxLength: 20 }),
      d: fc.base64String({ maxLength: 8 }),
      k: fc.base64String({ maxLength: 8 }),
    },
    { requiredKeys: [] },
  )
  const document = fc.oneof(
    fc.jsonValue(),
    fc.record({
      keys: fc.oneof(fc.array(fc.oneof(jwk, fc.jsonValue()), { maxLength: 4 }), fc.jsonValue()),
    }),
  )

  it('keeps only public signature keys, and never throws', () => {
    fc.assert(
      fc.property(document, (value) => {
        const usable = usableVerificationKeys(value)
        if (usable === undefined) return
        for (const key of usable.keys) {
          expect(['RSA', 'EC', 'OKP']).toContain(key.kty)
          for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
            expect(key).not.toHaveProperty(member)
          }
          if (key.use !== undefined) expect(key.use).toBe('sig')
        }
      }),
      { numRuns: numRuns(1000) },
    )
  })

  it('a local set over the kept keys answers any header with a key or a jose error code', async () => {
    const header = fc.record(
      {
        alg: fc.oneof(fc.constantFrom('RS256', 'ES256', 'EdDSA', 'HS256'), fc.jsonValue()),
        kid: fc.oneof(fc.string({ maxLength: 8 }), fc.jsonValue()),
      },
      { requiredKeys: [] },
    )
    await fc.assert(
      fc.asyncProperty(document, header, async (value, h) => {
        const usable = usableVerificationKeys(value)
        if (usable === undefined) return
        try {
          await createLocalJWKSet(usable)(h as JWSHeaderParameters)
        } catch (error) {
          expect(typeof (error as { code?: unknown }).code, String(error)).toBe('string')
        }
      }),
      { numRuns: numRuns(300) },
    )
  })
})

describe('JWT verification', () => {
  let keys: KeySource
  let kid: string
  beforeAll(async () => {
    const key = await generateTestKey('ES256')
    kid = key.publicJwk['kid'] as string
    keys = staticJwksSource({ keys: [key.publicJwk] })
  })

  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'none', 'HS256', 'None'), fc.jsonValue()),
        typ: fc.oneof(fc.constantFrom('at+jwt', 'JWT', 'dpop+jwt'), fc.jsonValue()),
        kid: fc.oneof(fc.constant('KID'), fc.jsonValue()),
        crit: fc.oneof(fc.constant(['b64']), fc.jsonValue()),
        b64: fc.jsonValue(),
        jku: fc.constant('http://127.0.0.1:9/jwks'),
      },
      { requiredKeys: [] },
    ),
  )
  const claims = fc.record(
    {
      iss: fc.oneof(fc.constant('https://issuer.test'), fc.jsonValue()),
      aud: fc.oneof(fc.constant('https://api.test'), fc.jsonValue()),
      exp: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      nbf: fc.oneof(fc.integer(), fc.jsonValue()),
      iat: fc.oneof(fc.integer(), fc.jsonValue()),
      nonce: fc.string(),
      scope: fc.jsonValue(),
    },
    { requiredKeys: [] },
  )
  const token = fc.oneof(
    fc
      .tuple(json, claims, fc.base64String({ maxLength: 90 }))
      .map(
        ([h, c, s]) =>
          `${b64u(JSON.stringify(h))}.${b64u(JSON.stringify(c))}.${s.replace(/=+$/, '')}`,
      ),
    fc.string({ unit: fc.constantFrom(...'eyJ.abcAZ09-_='), maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )

  it('rejects arbitrary tokens with a 401 invalid_token, never another error', async () => {
    const verify = createJwtVerifier({
      issuer: 'https://issuer.test',
      audiences: ['https://api.test'],
      algorithms: ['ES256'],
      keys,
      clockTolerance: 5,
      maxTokenAge: undefined,
      requiredClaims: ['exp'],
      strictType: false,
      validators: [],
      now: Date.now,
      logger: silentLogger,
    })
    await fc.assert(
      fc.asyncProperty(token, async (value) => {
        const candidate = value.replace('KID', kid)
        try {
          await verify(candidate)
        } catch (error) {
          expect(isOAuthError(error), String(error)).toBe(true)
          expect((error as InvalidTokenError).code).toBe('invalid_token')
          if (candidate.length > 8) {
            expect((error as InvalidTokenError).description).not.toContain(candidate)
          }
          return
        }
        throw new Error(`accepted a forged token: ${candidate}`)
      }),
      { numRuns: numRuns(500) },
    )
  })
})
