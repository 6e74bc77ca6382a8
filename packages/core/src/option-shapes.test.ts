import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from './errors.js'
import { closestName, editDistance } from './internal/closest-name.js'
import { consoleLogger } from './logger.js'
import { createMemoryStore } from './memory-store.js'
import { RESOURCE_SERVER_SHAPE, type ResourceServerOptions } from './options.js'
import { createResourceServer } from './resource-server.js'

const ISSUER = 'https://auth.example.test'
const AUDIENCE = 'https://api.example.test'
const BASE = { issuer: ISSUER, audience: AUDIENCE }
const INTROSPECTION = { clientId: 'rs', clientSecret: 'secret' }
const PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString()

const SPKI = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString()

function messageOf(options: unknown): string {
  try {
    createResourceServer(options as ResourceServerOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return (error as Error).message.replace(/^scopeguard: /, '')
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

/** Options of the wrong shape, and how the message must start (it names the option path). */
const WRONG: [Record<string, unknown>, string][] = [
  // the issuer and its keys, at the top level
  [{ issuer: 5, audience: AUDIENCE }, 'issuer must be a string, got 5'],
  [{ ...BASE, audience: 5 }, 'audience must be a string or an array of strings, got 5'],
  [{ ...BASE, audience: [AUDIENCE, 1] }, 'audience[1] must be a string, got 1'],
  [{ ...BASE, jwksUri: {} }, 'jwksUri must be a string, got an object'],
  [{ ...BASE, jwks: [] }, 'jwks must be a JWK Set ({ keys: [...] }), got []'],
  [{ ...BASE, jwks: { keys: 'x' } }, 'jwks must be a JWK Set'],
  [{ ...BASE, secret: 12345 }, 'secret must be a string or a Uint8Array, got 12345'],
  [{ ...BASE, metadataUrl: true }, 'metadataUrl must be a string, got true'],
  [{ ...BASE, algorithms: 'RS256' }, 'algorithms must be an array of strings, got "RS256"'],
  [{ ...BASE, tokenFormat: 1 }, 'tokenFormat must be a string, got 1'],
  [{ ...BASE, introspection: 'rs' }, 'introspection must be an object ('],
  [{ ...BASE, introspection: [] }, 'introspection must be an object ('],
  [{ ...BASE, introspection: { ...INTROSPECTION, endpoint: 1 } }, 'introspection.endpoint must'],
  [{ ...BASE, introspection: { clientId: ['rs'] } }, 'introspection.clientId must be a string'],
  [{ ...BASE, introspection: { clientId: 'rs', clientSecret: 1 } }, 'introspection.clientSecret'],
  [{ ...BASE, introspection: { ...INTROSPECTION, authMethod: 1 } }, 'introspection.authMethod'],
  [{ ...BASE, introspection: { clientId: 'rs', privateKey: PEM } }, 'introspection.privateKey'],
  [
    { ...BASE, introspection: { ...INTROSPECTION, privateKeyAlg: 1 } },
    'introspection.privateKeyAlg',
  ],
  [{ ...BASE, introspection: { ...INTROSPECTION, privateKeyId: 1 } }, 'introspection.privateKeyId'],
  [
    { ...BASE, introspection: { ...INTROSPECTION, assertionAudience: [] } },
    'introspection.assertionAudience',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, jwtResponse: 'yes' } },
    'introspection.jwtResponse',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, cache: [] } },
    'introspection.cache must be false or',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, cache: true } },
    'introspection.cache must be false',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, cache: { maxTtlSeconds: '60' } } },
    'introspection.cache.maxTtlSeconds must be a number',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, cache: { negativeTtlSeconds: null } } },
    'introspection.cache.negativeTtlSeconds must be a number, got null',
  ],
  [{ ...BASE, introspection: { ...INTROSPECTION, timeoutMs: '5000' } }, 'introspection.timeoutMs'],
  [
    { ...BASE, introspection: { ...INTROSPECTION, retryAfterMs: {} } },
    'introspection.retryAfterMs',
  ],
  [
    { ...BASE, introspection: { ...INTROSPECTION, clientAuth: 'client_secret_basic' } },
    'unknown option "introspection.clientAuth"',
  ],
  // several issuers
  [
    { audience: AUDIENCE, issuers: {} },
    'issuers must be an array of issuer options, got an object',
  ],
  [{ audience: AUDIENCE, issuers: [null] }, 'issuers[0] must be an object ('],
  [{ audience: AUDIENCE, issuers: [[]] }, 'issuers[0] must be an object ('],
  [
    {
      issuers: [
        { issuer: ISSUER, audience: AUDIENCE },
        { issuer: 'https://b.test', audience: 5 },
      ],
    },
    'issuers[1].audience must be a string or an array of strings, got 5',
  ],
  [
    { audience: AUDIENCE, issuers: [{ issuer: ISSUER, introspection: { clientId: 1 } }] },
    'issuers[0].introspection.clientId must be a string',
  ],
  [
    { audience: AUDIENCE, issuers: [{ issuer: ISSUER, jwksURL: 'https://x.test' }] },
    'unknown option "issuers[0].jwksURL" (did you mean "jwksUri"?)',
  ],
  [{ ...BASE, resolveIssuer: 'tenant' }, 'resolveIssuer must be a function, got "tenant"'],
  // verification
  [{ ...BASE, strict: 'true' }, 'strict must be a boolean (true or false), got "true"'],
  [{ ...BASE, clockTolerance: '5' }, 'clockTolerance must be a number, got "5"'],
  [{ ...BASE, maxTokenAge: [] }, 'maxTokenAge must be a number, got []'],
  [{ ...BASE, requiredClaims: 'sub' }, 'requiredClaims must be an array of strings'],
  [{ ...BASE, requiredClaims: ['sub', 1] }, 'requiredClaims[1] must be a string'],
  [{ ...BASE, validators: () => true }, 'validators must be an array of functions, got a function'],
  [{ ...BASE, validators: [() => true, 'x'] }, 'validators[1] must be a function'],
  [{ ...BASE, scopes: [] }, 'scopes must be an object ('],
  [{ ...BASE, scopes: { claims: 'scope' } }, 'scopes.claims must be an array of strings'],
  [{ ...BASE, scopes: { map: 'scope' } }, 'scopes.map must be a function'],
  [{ ...BASE, scopes: { implies: { write: 'read' } } }, 'scopes.implies.write must be an array'],
  [{ ...BASE, scopes: { implies: [] } }, 'scopes.implies must be an object, got []'],
  // extraction
  [{ ...BASE, extraction: [] }, 'extraction must be an object ('],
  [{ ...BASE, extraction: { body: 'yes' } }, 'extraction.body must be a boolean'],
  [
    { ...BASE, extraction: { query: 1 } },
    'extraction.query must be a boolean (true or false) or a string',
  ],
  [{ ...BASE, extraction: { legacyHeader: 1 } }, 'extraction.legacyHeader must be a boolean'],
  [{ ...BASE, extraction: { maxTokenLength: '8k' } }, 'extraction.maxTokenLength must be a number'],
  [{ ...BASE, extraction: { header: true } }, 'unknown option "extraction.header"'],
  [{ ...BASE, realm: 5 }, 'realm must be a string, got 5'],
  [{ ...BASE, challengeScopes: 'mcp:tools' }, 'challengeScopes must be an array of strings'],
  // keys and discovery
  [{ ...BASE, jwksTiming: [] }, 'jwksTiming must be an object ('],
  [{ ...BASE, jwksTiming: { timeoutMs: '1' } }, 'jwksTiming.timeoutMs must be a number'],
  [{ ...BASE, jwksTiming: { cooldownMs: null } }, 'jwksTiming.cooldownMs must be a number'],
  [{ ...BASE, jwksTiming: { refetchBurst: '3' } }, 'jwksTiming.refetchBurst must be a number'],
  [{ ...BASE, jwksTiming: { maxAgeMs: {} } }, 'jwksTiming.maxAgeMs must be a number'],
  [{ ...BASE, jwksTiming: { retryAfterMs: [] } }, 'jwksTiming.retryAfterMs must be a number'],
  [
    { ...BASE, jwksTiming: { cooldown: 1000 } },
    'unknown option "jwksTiming.cooldown" (did you mean "cooldownMs"?)',
  ],
  [{ ...BASE, metadataTiming: 3600 }, 'metadataTiming must be an object ('],
  [{ ...BASE, metadataTiming: { maxAgeMs: '1h' } }, 'metadataTiming.maxAgeMs must be a number'],
  [
    { ...BASE, metadataTiming: { maxAge: 1000 } },
    'unknown option "metadataTiming.maxAge" (did you mean "maxAgeMs"?)',
  ],
  [{ ...BASE, publicKey: 5 }, 'publicKey must be an SPKI PEM string or an array of them, got 5'],
  [{ ...BASE, publicKey: ['x', 1] }, 'publicKey must be an SPKI PEM string or an array of them'],
  [{ ...BASE, discoveryTimeoutMs: '5s' }, 'discoveryTimeoutMs must be a number'],
  [{ ...BASE, allowInsecureHttp: 'yes' }, 'allowInsecureHttp must be a boolean'],
  // state
  [{ ...BASE, store: {} }, 'store must be a Store'],
  [{ ...BASE, store: [] }, 'store must be a Store'],
  [{ ...BASE, revocation: 1 }, 'revocation must be a boolean (true or false), got 1'],
  [{ ...BASE, allowedClients: 'app-1' }, 'allowedClients must be'],
  [{ ...BASE, allowedClients: [''] }, 'allowedClients[0] must be'],
  [{ ...BASE, privateNetworks: 'sometimes' }, 'privateNetworks must be'],
  [{ ...BASE, cache: [] }, 'cache must be false or an object ('],
  [{ ...BASE, cache: true }, 'cache must be false or an object ('],
  [{ ...BASE, cache: { maxEntries: '10' } }, 'cache.maxEntries must be a number, got "10"'],
  [{ ...BASE, cache: { maxTtlSeconds: false } }, 'cache.maxTtlSeconds must be a number'],
  // protected resource metadata
  [{ ...BASE, resourceMetadata: [] }, 'resourceMetadata must be an object ('],
  [{ ...BASE, resourceMetadata: { resource: 5 } }, 'resourceMetadata.resource must be a string'],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, authorizationServers: ISSUER } },
    'resourceMetadata.authorizationServers must be an array of strings',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, scopesSupported: 'a b' } },
    'resourceMetadata.scopesSupported must be an array of strings',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, resourceName: 1 } },
    'resourceMetadata.resourceName must be a string',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, resourceDocumentation: {} } },
    'resourceMetadata.resourceDocumentation must be a string',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, resourcePolicyUri: 1 } },
    'resourceMetadata.resourcePolicyUri must be a string',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, resourceTosUri: 1 } },
    'resourceMetadata.resourceTosUri must be a string',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, challenge: 'no' } },
    'resourceMetadata.challenge must be a boolean',
  ],
  [
    { ...BASE, resourceMetadata: { resource: AUDIENCE, extra: [] } },
    'resourceMetadata.extra must be an object, got []',
  ],
  // certificate and DPoP binding
  [{ ...BASE, mtls: [] }, 'mtls must be an object ('],
  [{ ...BASE, binding: 'strict' }, 'binding must be'],
  [{ ...BASE, binding: true }, 'binding must be'],
  [{ ...BASE, mtls: { certificateHeader: 1 } }, 'mtls.certificateHeader must be a string'],
  [
    { ...BASE, mtls: { certificateHeader: 'x-cert', trustedProxies: '10.0.0.1' } },
    'mtls.trustedProxies must be an array of strings, got "10.0.0.1"',
  ],
  [{ ...BASE, dpop: [] }, 'dpop must be "disabled" or "allowed" or "required" or an object ('],
  [{ ...BASE, dpop: true }, 'dpop must be "disabled" or "allowed" or "required" or an object ('],
  [
    { ...BASE, dpop: { policy: true } },
    'dpop.policy must be "disabled" or "allowed" or "required"',
  ],
  [{ ...BASE, dpop: { algorithms: 'ES256' } }, 'dpop.algorithms must be an array of strings'],
  [{ ...BASE, dpop: { maxProofAge: '300' } }, 'dpop.maxProofAge must be a number'],
  [{ ...BASE, dpop: { clockTolerance: '5' } }, 'dpop.clockTolerance must be a number'],
  [{ ...BASE, dpop: { nonce: [] } }, 'dpop.nonce must be a boolean (true or false) or an object ('],
  [{ ...BASE, dpop: { nonce: 'on' } }, 'dpop.nonce must be a boolean'],
  [
    { ...BASE, dpop: { nonce: { secret: 1 } } },
    'dpop.nonce.secret must be a string or a Uint8Array',
  ],
  [{ ...BASE, dpop: { nonce: { rotationSeconds: '60' } } }, 'dpop.nonce.rotationSeconds must be'],
  [
    { ...BASE, dpop: { polcy: 'required' } },
    'unknown option "dpop.polcy" (did you mean "policy"?)',
  ],
  [{ ...BASE, publicOrigin: 443 }, 'publicOrigin must be a string, got 443'],
  // hooks
  [
    { ...BASE, logger: true },
    'logger must be false or a logger ({ warn, error } functions), got true',
  ],
  [{ ...BASE, logger: { warn: () => {} } }, 'logger must be false or a logger'],
  [{ ...BASE, onEvent: {} }, 'onEvent must be a function, got an object'],
  [{ ...BASE, fetch: 'https://proxy.test' }, 'fetch must be a function'],
  [{ ...BASE, now: 1_700_000_000_000 }, 'now must be a function, got 1700000000000'],
  // unknown options name the closest known one
  [{ ...BASE, issuerBaseURL: ISSUER }, 'unknown option "issuerBaseURL" (did you mean "issuer"?)'],
  [{ ...BASE, audiance: AUDIENCE }, 'unknown option "audiance" (did you mean "audience"?)'],
  [{ ...BASE, jwks_uri: ISSUER }, 'unknown option "jwks_uri" (did you mean "jwksUri"?)'],
  [
    { ...BASE, clockTolerence: 5 },
    'unknown option "clockTolerence" (did you mean "clockTolerance"?)',
  ],
  [{ ...BASE, zzz: 1 }, 'unknown option "zzz"'],
]

describe('option shapes', () => {
  it.each(WRONG)('refuses %j at construction, naming the option', (options, start) => {
    const message = messageOf(options)
    expect(message.startsWith(start), message).toBe(true)
  })

  it('has a wrong-shape row for every option', () => {
    const named = new Set(WRONG.map(([, start]) => /^(?:unknown option ")?(\w+)/.exec(start)?.[1]))
    const missing = Object.keys(RESOURCE_SERVER_SHAPE).filter((key) => !named.has(key))
    expect(missing).toEqual([])
  })

  it('never quotes a secret in a message', () => {
    const message = messageOf({ ...BASE, introspection: { clientId: 'rs', privateKey: PEM } })
    expect(message).toBe(
      'introspection.privateKey must be a private JWK (an object) or a CryptoKey, got a string',
    )
    expect(messageOf({ ...BASE, secret: ['hunter2-hunter2'] })).not.toContain('hunter2')
  })

  it('accepts every option in its documented shape', () => {
    const full: ResourceServerOptions = {
      issuer: ISSUER,
      audience: [AUDIENCE],
      algorithms: ['ES256'],
      publicKey: [SPKI],
      metadataUrl: `${ISSUER}/.well-known/openid-configuration`,
      introspection: {
        ...INTROSPECTION,
        endpoint: `${ISSUER}/introspect`,
        authMethod: 'client_secret_post',
        assertionAudience: ISSUER,
        cache: { maxTtlSeconds: 60, negativeTtlSeconds: 5 },
        timeoutMs: 1000,
        retryAfterMs: 0,
      },
      tokenFormat: 'auto',
      strict: true,
      clockTolerance: 0,
      maxTokenAge: 600,
      requiredClaims: ['tenant'],
      validators: [() => true],
      scopes: { claims: ['scp'], implies: { write: ['read'] } },
      extraction: { body: true, query: 'token', legacyHeader: false, maxTokenLength: 4096 },
      realm: 'files',
      challengeScopes: ['files:read'],
      jwksTiming: { timeoutMs: 1, cooldownMs: 1, refetchBurst: 1, maxAgeMs: 1, retryAfterMs: 1 },
      discoveryTimeoutMs: 1000,
      allowInsecureHttp: false,
      store: createMemoryStore(),
      resourceMetadata: {
        resource: AUDIENCE,
        authorizationServers: [ISSUER],
        scopesSupported: ['read'],
        resourceName: 'Files',
        resourceDocumentation: `${AUDIENCE}/docs`,
        resourcePolicyUri: `${AUDIENCE}/policy`,
        resourceTosUri: `${AUDIENCE}/tos`,
        challenge: false,
        extra: { tls_client_certificate_bound_access_tokens: true },
      },
      revocation: true,
      allowedClients: ['app-1'],
      privateNetworks: 'refuse',
      mtls: { certificateHeader: 'x-client-cert', trustedProxies: ['10.0.0.1'] },
      binding: 'required',
      metadataTiming: { maxAgeMs: 3_600_000 },
      dpop: {
        policy: 'required',
        algorithms: ['ES256'],
        maxProofAge: 60,
        clockTolerance: 1,
        nonce: { secret: new Uint8Array(32), rotationSeconds: 30 },
      },
      publicOrigin: AUDIENCE,
      cache: { maxEntries: 10, maxTtlSeconds: 60 },
      logger: consoleLogger,
      onEvent: () => {},
      fetch: (input, init) => globalThis.fetch(input, init),
      now: Date.now,
    }
    expect(() => createResourceServer(full)).not.toThrow()
    expect(() =>
      createResourceServer({ ...BASE, dpop: 'disabled', cache: false, logger: false }),
    ).not.toThrow()
    expect(() =>
      createResourceServer({ ...BASE, introspection: { ...INTROSPECTION, cache: false } }),
    ).not.toThrow()
  })
})

describe('closestName', () => {
  it.each([
    ['issuerBaseURL', 'issuer'],
    ['issuersList', 'issuers'],
    ['audiance', 'audience'],
    ['JWKS_URI', 'jwksUri'],
    ['jwksURL', 'jwksUri'],
    ['realms', 'realm'],
    ['foo', undefined],
    ['somethingElse', undefined],
  ])('%s → %s', (unknown, expected) => {
    const known = Object.keys(RESOURCE_SERVER_SHAPE)
    expect(closestName(unknown, known)).toBe(expected)
  })

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
  })
})
