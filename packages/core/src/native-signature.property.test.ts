import {
  createHmac,
  generateKeyPairSync,
  sign as signBytes,
  constants,
  type KeyObject,
} from 'node:crypto'
import { createTestIssuer, generateTestKey, type TestIssuer } from '@scopeguard/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ATTACKS,
  startAttackerServer,
  type AttackContext,
  type AttackerServer,
} from '../../../tests/conformance/test/attacks.js'
import { CASES, type CaseContext } from '../../../tests/conformance/test/cases.js'
import { numRuns } from '../test/num-runs.js'
import { isOAuthError } from './errors.js'
import { NO_EVENTS } from './events.js'
import { createIssuerVerifier, type SharedVerification } from './issuer-verifier.js'
import type { ClaimValidator } from './jwt-verify.js'
import { silentLogger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import type { IssuerOptions } from './options.js'
import { nativeSignatures } from './platform/signature.node.js'

/**
 * The differential test of the Node.js signature path: every token goes through an issuer
 * verifier on `node:crypto` and one on Web Crypto (jose's `jwtVerify`, the path of every other
 * runtime), built from the same options; both must accept the same tokens with the same claims,
 * and refuse the others with the same status, code, reason and description.
 * `FAST_CHECK_NUM_RUNS` raises the generated runs (see `scripts/fuzz.mjs`).
 */

const NOW_MS = Date.UTC(2030, 0, 1)
const NOW = NOW_MS / 1000
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'https://api.example'

type Outcome =
  | { ok: true; claims: unknown; header: unknown }
  | { ok: false; status: number; code: string; reason: string | undefined; description: string }
  | { ok: false; thrown: string }

async function outcome(
  verify: (token: string) => Promise<{ claims: unknown; header: unknown }>,
  token: string,
): Promise<Outcome> {
  try {
    const { claims, header } = await verify(token)
    return { ok: true, claims, header }
  } catch (error) {
    if (!isOAuthError(error)) return { ok: false, thrown: String(error) }
    const { status, code, reason, description } = error
    return { ok: false, status, code, reason, description }
  }
}

interface Pair {
  web: (token: string) => Promise<Outcome>
  node: (token: string) => Promise<Outcome>
}

function sharedWith(overrides: Partial<SharedVerification>): SharedVerification {
  return {
    strict: false,
    clockTolerance: 5,
    maxTokenAge: undefined,
    requiredClaims: [],
    validators: [],
    jwksTiming: undefined,
    metadataTiming: undefined,
    discoveryTimeoutMs: undefined,
    allowInsecureHttp: true,
    store: createMemoryStore({ maxEntries: 100 }),
    logger: silentLogger,
    events: NO_EVENTS,
    fetch: globalThis.fetch,
    now: () => NOW_MS,
    ...overrides,
  }
}

/** Two verifiers from the same options: on Web Crypto (jose) and on node:crypto. */
function pair(options: IssuerOptions, overrides: Partial<SharedVerification> = {}): Pair {
  const web = createIssuerVerifier(options, sharedWith({ ...overrides, native: undefined }))
  const node = createIssuerVerifier(options, sharedWith({ ...overrides, native: nativeSignatures }))
  return {
    web: (token) => outcome(async (t) => web.verify(t), token),
    node: (token) => outcome(async (t) => node.verify(t), token),
  }
}

async function expectSame(verifiers: Pair, token: string): Promise<Outcome> {
  const web = await verifiers.web(token)
  const node = await verifiers.node(token)
  expect({ token, outcome: node }).toEqual({ token, outcome: web })
  return web
}

/** The token an HTTP request carries in its Authorization header (or query), if any. */
function tokensOf(spec: { path: string; headers?: [string, string][] }): string[] {
  const tokens: string[] = []
  for (const [name, value] of spec.headers ?? []) {
    if (name.toLowerCase() !== 'authorization') continue
    const match = /^\s*(?:bearer|dpop)\s+(.*)$/i.exec(value)
    tokens.push(match ? (match[1] as string).trim() : value)
  }
  const query = spec.path.split('?')[1]
  const fromQuery = query === undefined ? null : new URLSearchParams(query).get('access_token')
  if (fromQuery !== null) tokens.push(fromQuery)
  return tokens
}

describe('the node:crypto path answers exactly as the Web Crypto path', () => {
  let issuer: TestIssuer
  let attacker: AttackerServer

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    const attackerKey = await generateTestKey('RS256')
    attacker = await startAttackerServer({ keys: [attackerKey.publicJwk] })
  })

  afterAll(async () => {
    await attacker?.close()
    await issuer?.close()
  })

  it('on every token of the attack corpus and of the conformance cases, for each key source', async () => {
    const context: AttackContext = {
      issuer,
      audience: AUDIENCE,
      attacker,
      attackerKey: await generateTestKey('RS256'),
    }
    const caseContext: CaseContext = {
      issuer,
      audience: AUDIENCE,
      mode: 'jwt',
      mint: (claims, options) =>
        issuer.sign(
          options?.expiresIn === undefined
            ? claims
            : { ...claims, exp: Math.floor(Date.now() / 1000) + options.expiresIn },
        ),
    }
    const tokens: string[] = []
    for (const attack of ATTACKS) tokens.push(...tokensOf(await attack.request(context)))
    for (const conformance of CASES) {
      if (conformance.only === 'opaque') continue
      tokens.push(...tokensOf(await conformance.request(caseContext)))
    }
    expect(tokens.length).toBeGreaterThan(100)
    const base = { issuer: issuer.issuer, audience: AUDIENCE }
    const live = { now: Date.now }
    const sources: [string, Pair][] = [
      ['remote JWKS', pair({ ...base, jwksUri: issuer.jwksUri }, live)],
      ['static JWKS', pair({ ...base, jwks: issuer.jwks() as never }, live)],
      [
        'PEM keys',
        pair(
          { ...base, publicKey: [issuer.publicKeyPem('RS256'), issuer.publicKeyPem('ES256')] },
          live,
        ),
      ],
      [
        'strict, remote JWKS',
        pair({ ...base, jwksUri: issuer.jwksUri }, { ...live, strict: true }),
      ],
    ]
    const accepted = new Map<string, number>()
    for (const [name, verifiers] of sources) {
      let count = 0
      for (const token of tokens) if ((await expectSame(verifiers, token)).ok) count += 1
      accepted.set(name, count)
    }
    // The corpus exercises both answers on every source.
    for (const count of accepted.values()) {
      expect(count).toBeGreaterThan(5)
      expect(count).toBeLessThan(tokens.length / 2)
    }
  })

  describe('on generated tokens for every algorithm', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const p256b = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' })
    const ed = generateKeyPairSync('ed25519')
    const secret = Buffer.alloc(64, 7)
    const jwk = (key: KeyObject, extra: Record<string, unknown>): Record<string, unknown> => ({
      ...key.export({ format: 'jwk' }),
      ...extra,
    })
    const edX = jwk(ed.publicKey, {})['x'] as string
    // One key per kid; some members are odd on purpose (restricted alg, key_ops, bad data).
    const KEYS = {
      rsa: { pair: rsa, jwk: jwk(rsa.publicKey, { kid: 'rsa' }) },
      rsa2: { pair: rsa2, jwk: jwk(rsa2.publicKey, {}) },
      small: { pair: small, jwk: jwk(small.publicKey, { kid: 'small' }) },
      p256: { pair: p256, jwk: jwk(p256.publicKey, { kid: 'p256', use: 'sig' }) },
      p256b: { pair: p256b, jwk: jwk(p256b.publicKey, { kid: 'p256b', alg: 'ES256' }) },
      p384: { pair: p384, jwk: jwk(p384.publicKey, { kid: 'p384', key_ops: ['verify'] }) },
      p521: { pair: p521, jwk: jwk(p521.publicKey, { kid: 'p521' }) },
      ed: { pair: ed, jwk: jwk(ed.publicKey, { kid: 'ed' }) },
    }
    const ODD_JWKS = [
      { ...KEYS.rsa.jwk, kid: 'rsa-ops', key_ops: ['verify', 'sign'] },
      { ...KEYS.rsa.jwk, kid: 'rsa-384', alg: 'RS384' },
      { ...KEYS.rsa.jwk, kid: 'rsa-ext', ext: 'yes' },
      { ...KEYS.p256.jwk, kid: 'p256-bad', x: KEYS.p256b.jwk['x'] },
      { ...KEYS.p256.jwk, kid: 'p256-crv', crv: 'P-384' },
      { ...KEYS.ed.jwk, kid: 'ed-array', x: [...Buffer.from(edX, 'base64url')] },
      { ...KEYS.ed.jwk, kid: 'ed-short', x: edX.slice(0, 20) },
      { ...KEYS.ed.jwk, kid: 'ed-padded', x: `${edX}=` },
      { kty: 'OKP', crv: 'Ed448', x: 'AAAA', kid: 'ed448' },
      { ...KEYS.rsa.jwk, kid: 'rsa-no-e', e: undefined },
    ]
    const jwks = { keys: [...Object.values(KEYS).map((k) => k.jwk), ...ODD_JWKS] }
    const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }) as string
    const validator: ClaimValidator = (claims) =>
      claims['role'] === 'blocked' ? 'blocked by a validator' : claims['role'] !== 'async-no'
    const asyncValidator: ClaimValidator = async (claims) => claims['role'] !== 'async-no'
    const base = { issuer: ISSUER, audience: [AUDIENCE, 'https://other.example'] }
    const CONFIGS: Record<string, Pair> = {
      jwks: pair({ ...base, jwks: jwks as never }),
      strict: pair(
        { ...base, jwks: jwks as never },
        { strict: true, maxTokenAge: 600, requiredClaims: ['jti'], validators: [validator] },
      ),
      tolerant: pair(
        { ...base, jwks: jwks as never, algorithms: ['RS256', 'PS384', 'ES256', 'EdDSA'] },
        { clockTolerance: 0, maxTokenAge: 60, validators: [asyncValidator, validator] },
      ),
      pem: pair({
        ...base,
        publicKey: [
          pem(rsa.publicKey),
          pem(p256.publicKey),
          pem(p256b.publicKey),
          pem(ed.publicKey),
        ],
      }),
      secret: pair({ ...base, secret, algorithms: ['HS256', 'HS384', 'HS512'] }),
    }

    type KeyName = keyof typeof KEYS | 'secret' | 'junk'
    const ALGS = [
      ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
      ...['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'],
    ]
    const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

    /** A signature over `input` as `alg` with the named key (any key, any alg: it may not fit). */
    function signature(alg: string, keyName: KeyName, input: string): Buffer {
      try {
        return signWith(alg, keyName, Buffer.from(input))
      } catch {
        return Buffer.from('this key cannot sign for this algorithm')
      }
    }

    function signWith(alg: string, keyName: KeyName, data: Buffer): Buffer {
      if (keyName === 'junk') return Buffer.from('not a signature at all')
      if (keyName === 'secret' || alg.startsWith('HS')) {
        return createHmac(HASH[alg.slice(2)] ?? 'sha256', secret)
          .update(data)
          .digest()
      }
      const { privateKey } = KEYS[keyName].pair
      const type = privateKey.asymmetricKeyType
      if (type === 'ed25519') return signBytes(null, data, privateKey)
      const hash = HASH[alg.slice(2)] ?? 'sha256'
      if (type === 'ec')
        return signBytes(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      if (alg.startsWith('PS')) {
        return signBytes(hash, data, {
          key: privateKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: Number(alg.slice(2)) / 8,
        })
      }
      return signBytes(hash, data, privateKey)
    }

    /** The key that fits each algorithm. */
    const FITTING: Record<string, KeyName> = {
      ES256: 'p256',
      ES384: 'p384',
      ES512: 'p521',
      EdDSA: 'ed',
      Ed25519: 'ed',
    }
    const b64u = (value: string | Buffer): string => Buffer.from(value).toString('base64url')
    const time = fc.oneof(
      fc.integer({ min: -7200, max: 7200 }).map((offset) => NOW + offset),
      fc.constantFrom(NOW - 5, NOW + 5, NOW - 6, NOW + 6, NOW, NOW - 60, NOW - 61, NOW + 0.5),
      fc.constantFrom('1', null, true, [NOW], 1e400),
    )
    const optional = <T>(arbitrary: fc.Arbitrary<T>) =>
      fc.option(arbitrary, { nil: undefined, freq: 3 })
    const claims = fc.record(
      {
        iss: fc.constantFrom(ISSUER, `${ISSUER}/`, 'https://evil.example', 42),
        aud: fc.constantFrom(
          AUDIENCE,
          'https://other.example',
          [AUDIENCE, 'x'],
          ['x', 'y'],
          [1, AUDIENCE],
          [],
          {},
          'nope',
        ),
        exp: time,
        nbf: time,
        iat: time,
        sub: fc.constantFrom('user', 7, ['a']),
        client_id: fc.constantFrom('client', 5),
        jti: fc.constantFrom('id-1', 3),
        scope: fc.constantFrom('read write', ['read'], 1),
        nonce: fc.constant('n'),
        role: fc.constantFrom('user', 'blocked', 'async-no'),
      },
      { requiredKeys: [] },
    )
    const header = fc.record(
      {
        alg: fc.oneof(
          fc.constantFrom(...ALGS),
          fc.constantFrom('none', 'RS256 ', 'rs256', '', 7, null, 'ML-DSA-44', 'toString'),
        ),
        kid: optional(
          fc.constantFrom(
            ...[...Object.values(KEYS).map((k) => k.jwk['kid']), ...ODD_JWKS.map((k) => k['kid'])],
            'unknown',
            7,
          ),
        ),
        typ: optional(
          fc.constantFrom('at+jwt', 'application/at+JWT', 'JWT', 'jwt', 'dpop+jwt', '', 3),
        ),
        crit: optional(
          fc.constantFrom(['b64'], ['exp'], [], 'b64', [''], ['b64', 'b64'], ['b64', 'x']),
        ),
        b64: optional(fc.constantFrom(true, false, 'false')),
        x: optional(fc.constantFrom('y', 1)),
      },
      { requiredKeys: ['alg'] },
    )
    /** How to spoil an encoded token, if at all. */
    const mutation = fc.oneof(
      { weight: 6, arbitrary: fc.constant('none' as const) },
      fc.constantFrom(
        'flip-signature',
        'flip-payload',
        'drop-signature',
        'pad-signature',
        'pad-payload',
        'space-in-payload',
        'plus-in-signature',
        'unicode-in-payload',
        'extra-dot',
        'swap-segments',
        'truncate-signature',
      ),
    )
    const rawPayload = fc.constantFrom(
      undefined,
      'not json',
      '[]',
      'null',
      '\ufeff{"iss":"x"}',
      '{"iss":"https://issuer.example","aud":"https://api.example","exp":99999999999}',
    )

    function mutate(token: string, how: string): string {
      const [h, p, s] = token.split('.') as [string, string, string]
      const flip = (text: string): string =>
        text.length === 0 ? 'A' : `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`
      switch (how) {
        case 'flip-signature':
          return `${h}.${p}.${flip(s)}`
        case 'flip-payload':
          return `${h}.${flip(p)}.${s}`
        case 'drop-signature':
          return `${h}.${p}.`
        case 'pad-signature':
          return `${h}.${p}.${s}=`
        case 'pad-payload':
          return `${h}.${p}==.${s}`
        case 'space-in-payload':
          return `${h}.${p.slice(0, 4)} ${p.slice(4)}.${s}`
        case 'plus-in-signature':
          return `${h}.${p}.+${s.slice(1)}`
        case 'unicode-in-payload':
          return `${h}.${p}é.${s}`
        case 'extra-dot':
          return `${token}.`
        case 'swap-segments':
          return `${p}.${h}.${s}`
        case 'truncate-signature':
          return `${h}.${p}.${s.slice(0, s.length - 3)}`
        default:
          return token
      }
    }

    const generated = fc.record({
      config: fc.constantFrom(...Object.keys(CONFIGS)),
      header,
      claims,
      rawPayload,
      signer: fc.oneof(
        { weight: 4, arbitrary: fc.constant('fitting' as const) },
        fc.constantFrom<KeyName>('rsa', 'rsa2', 'small', 'p256', 'p256b', 'p384', 'ed', 'junk'),
      ),
      mutation,
    })

    it(
      'accepts and refuses exactly the same tokens, with the same error',
      async () => {
        let accepted = 0
        let refused = 0
        await fc.assert(
          fc.asyncProperty(generated, async (input) => {
            const alg = typeof input.header.alg === 'string' ? input.header.alg : 'RS256'
            const keyName: KeyName =
              input.signer !== 'fitting'
                ? input.signer
                : alg.startsWith('HS')
                  ? 'secret'
                  : Object.hasOwn(FITTING, alg)
                    ? (FITTING[alg] as KeyName)
                    : 'rsa'
            const payloadText = input.rawPayload ?? JSON.stringify(input.claims)
            const encodedPayload = input.header.b64 === false ? payloadText : b64u(payloadText)
            const signingInput = `${b64u(JSON.stringify(input.header))}.${encodedPayload}`
            const token = mutate(
              `${signingInput}.${b64u(signature(alg, keyName, signingInput))}`,
              input.mutation,
            )
            const result = await expectSame(CONFIGS[input.config] as Pair, token)
            if (result.ok) accepted += 1
            else refused += 1
          }),
          { numRuns: numRuns(2500) },
        )
        // The generator reaches both answers.
        expect(accepted).toBeGreaterThan(0)
        expect(refused).toBeGreaterThan(accepted)
      },
      Math.max(120_000, numRuns(2500) * 40),
    )

    it('gives the same answer for a valid token of each algorithm, with each kid and key', async () => {
      const claims = { iss: ISSUER, aud: AUDIENCE, exp: NOW + 60, iat: NOW, jti: 'j', sub: 's' }
      const signers: [unknown, KeyName][] = [
        ...([...Object.keys(KEYS), 'secret'] as KeyName[]).map((name): [unknown, KeyName] => [
          undefined,
          name,
        ]),
        ...Object.entries(KEYS).map(([name, key]): [unknown, KeyName] => [
          key.jwk['kid'],
          name as KeyName,
        ]),
        ...ODD_JWKS.map((key): [unknown, KeyName] => [
          key['kid'],
          (['rsa', 'p256', 'ed'] as const).find((name) => String(key['kid']).startsWith(name)) ??
            'junk',
        ]),
      ]
      let accepted = 0
      for (const verifiers of Object.values(CONFIGS)) {
        for (const alg of ALGS) {
          for (const [kid, keyName] of signers) {
            const head = { alg, typ: 'at+jwt', ...(kid === undefined ? {} : { kid }) }
            const input = `${b64u(JSON.stringify(head))}.${b64u(JSON.stringify(claims))}`
            const token = `${input}.${b64u(signature(alg, keyName, input))}`
            if ((await expectSame(verifiers, token)).ok) accepted += 1
          }
        }
      }
      expect(accepted).toBeGreaterThan(30)
    }, 60_000)
  })
})
