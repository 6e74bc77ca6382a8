import { copyClient, type TestClient } from './client-auth.js'
import { KeyRing } from './internal/key-ring.js'
import { IntrospectionEndpoint, type IntrospectionRequest } from './introspection.js'
import { TEST_ALGORITHMS, type TestAlgorithm } from './keys.js'
import {
  assertIssuerPath,
  issuerLocations,
  metadataDocument,
  type MetadataKind,
  type MetadataOptions,
} from './metadata.js'
import {
  IssuerServer,
  jsonReply,
  type CountedEndpoint,
  type Fault,
  type FaultEndpoint,
} from './server.js'
import { signAccessToken, type SignOptions } from './sign.js'
import { TokenEndpoint } from './token-endpoint.js'
import { TokenRegistry, type OpaqueTokenOptions } from './token-registry.js'

/** Options for {@link createTestIssuer}. */
export interface TestIssuerOptions {
  /**
   * Issuer path: `'/tenant1'` gives the issuer `http://127.0.0.1:PORT/tenant1`. A trailing `/`
   * stays in the issuer but not in the derived URLs.
   *
   * @default '' (the issuer is the origin, without a trailing slash)
   */
  path?: string
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (a free ephemeral port) */
  port?: number
  /**
   * The `aud` of tokens signed with default claims.
   *
   * @default 'https://api.example.test'
   */
  audience?: string | string[]
  /**
   * Default signing algorithm.
   *
   * @default 'RS256'
   */
  algorithm?: TestAlgorithm
  /** Which discovery documents to serve (both by default) and extra members. */
  metadata?: MetadataOptions
  /**
   * Seconds from `iat` to `exp` in signed tokens.
   *
   * @default 300
   */
  tokenLifetime?: number
  /**
   * Clients allowed to call the introspection and token endpoints (more with `registerClient`).
   */
  clients?: TestClient[]
}

/** A running local OAuth 2.0 issuer: discovery metadata, a JWKS and a token signer. */
export interface TestIssuer {
  /** The exact issuer identifier (the `iss` of signed tokens). */
  readonly issuer: string
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** `${origin}${path}/jwks` */
  readonly jwksUri: string
  /** `${origin}${path}/introspect`: the RFC 7662 endpoint, for registered clients. */
  readonly introspectionEndpoint: string
  /**
   * `${origin}${path}/token`: grants registered clients `client_credentials` and RFC 8693 token
   * exchange (`act` naming the actor token's subject or the client, nested over the subject
   * token's own `act`; `may_act` enforced), issuing JWTs like `sign()`.
   */
  readonly tokenEndpoint: string
  /** The RFC 8414 (path-inserted) and the OIDC (appended) metadata URLs. */
  readonly metadataUrls: { readonly oauth: string; readonly openid: string }
  /** The `aud` of tokens signed with default claims. */
  readonly audience: string | string[]
  /**
   * Signs an access token. Unless `defaults: false`, claims default to iss, aud, sub
   * ('user-123'), client_id ('client-abc'), iat (now), exp (now + lifetime), jti (random), and
   * `scope` if given via `options.scope`. Given claims override defaults; a claim set to
   * `undefined` is removed.
   */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>
  /**
   * Returns a random opaque token (not a JWT) that the introspection endpoint reports active
   * with these claims. Unless `defaults: false`, claims default like `sign()` (iss, aud, sub,
   * client_id, iat, exp = now + lifetime or `expiresIn`, jti) plus `token_type: 'Bearer'`, and
   * `scope` if given via `options.scope`. Given claims override defaults; a claim set to
   * `undefined` is removed.
   */
  issueOpaque(claims?: Record<string, unknown>, options?: OpaqueTokenOptions): string
  /**
   * From now on the introspection endpoint answers `{"active": false}` for `token` (opaque, or
   * a JWT of this issuer).
   */
  revoke(token: string): void
  /**
   * Lets a client call the introspection endpoint; replaces a client with the same id.
   *
   * @throws TypeError if the client has no id, or neither a secret nor a JWKS.
   */
  registerClient(client: TestClient): void
  /**
   * Every introspection request received since start or `resetCounts()`: its `Authorization`
   * header, parsed form and `Accept` header.
   */
  introspectionRequests(): IntrospectionRequest[]
  /** The public JWKS currently served. */
  jwks(): { keys: Record<string, unknown>[] }
  /** The discovery document served at `metadataUrls[kind]` (even if that URL is turned off). */
  metadata(kind: MetadataKind): Record<string, unknown>
  /** Public JWK of the current key for `alg` (default: the issuer's algorithm). */
  publicJwk(alg?: TestAlgorithm): Record<string, unknown>
  /** SPKI PEM of the current key for `alg` (default: the issuer's algorithm), for key confusion. */
  publicKeyPem(alg?: TestAlgorithm): string
  /**
   * Adds a new key for `alg` (new kid) and makes it the signing key. The old key stays published
   * until `removeKey` is called. Returns the new kid.
   */
  rotateKey(alg?: TestAlgorithm): Promise<string>
  /**
   * Stops publishing the key with `kid`. If it is the current key for its algorithm, it still
   * signs (so tokens carry a kid the JWKS lacks) until `rotateKey`.
   *
   * @throws TypeError if the issuer never had a key with `kid`.
   */
  removeKey(kid: string): void
  /** Requests served per endpoint since start or since `resetCounts()`. */
  requestCount(endpoint: CountedEndpoint): number
  /** Sets every request count to zero and forgets the recorded introspection requests. */
  resetCounts(): void
  /** Injects a fault on an endpoint until cleared (pass `undefined` to clear). */
  setFault(endpoint: FaultEndpoint, fault: Fault | undefined): void
  /** Stops the server, dropping keep-alive connections; resolves once closed. */
  close(): Promise<void>
}

function validate(options: TestIssuerOptions): void {
  const { port, tokenLifetime, algorithm, audience } = options
  if (options.path !== undefined) assertIssuerPath(options.path)
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError('TestIssuerOptions.port must be an integer from 0 to 65535')
  }
  if (tokenLifetime !== undefined && !Number.isFinite(tokenLifetime)) {
    throw new TypeError('TestIssuerOptions.tokenLifetime must be a finite number of seconds')
  }
  if (algorithm !== undefined && !TEST_ALGORITHMS.includes(algorithm)) {
    throw new TypeError(`TestIssuerOptions.algorithm must be one of ${TEST_ALGORITHMS.join(', ')}`)
  }
  if (audience !== undefined && (Array.isArray(audience) ? audience.length === 0 : !audience)) {
    throw new TypeError('TestIssuerOptions.audience must be a non-empty string or array')
  }
  if (options.clients !== undefined) {
    if (!Array.isArray(options.clients)) {
      throw new TypeError('TestIssuerOptions.clients must be an array of clients')
    }
    const ids = new Set<string>()
    options.clients.forEach((client, index) => {
      const { clientId } = copyClient(client, `TestIssuerOptions.clients[${index}]`)
      if (ids.has(clientId)) {
        throw new TypeError(`TestIssuerOptions.clients lists ${JSON.stringify(clientId)} twice`)
      }
      ids.add(clientId)
    })
  }
}

/**
 * Starts a test issuer on a loopback port, with fresh RS256, ES256 and EdDSA keys. Call
 * `close()` when done (e.g. in `afterAll`).
 *
 * @example
 * ```ts
 * const issuer = await createTestIssuer({ audience: 'https://api.example.test' })
 * const token = await issuer.sign({ scope: 'read:items' })
 * // configure the resource server with issuer.issuer and issuer.jwksUri, then send
 * // `Authorization: Bearer ${token}`
 * await issuer.close()
 * ```
 */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  validate(options)
  const path = options.path ?? ''
  const algorithm = options.algorithm ?? 'RS256'
  const audience = options.audience ?? 'https://api.example.test'
  const tokenLifetime = options.tokenLifetime ?? 300
  const serveOauth = options.metadata?.oauth ?? true
  const serveOpenid = options.metadata?.openid ?? true
  const extra = { ...options.metadata?.extra }

  const clients = new Map<string, TestClient>()
  for (const client of options.clients ?? []) {
    clients.set(client.clientId, copyClient(client, 'TestIssuerOptions.clients[]'))
  }

  const keys = await KeyRing.create()
  const { paths } = issuerLocations('', path)
  const server = await IssuerServer.listen(
    options.host ?? '127.0.0.1',
    options.port ?? 0,
    (pathname) => {
      if (pathname === paths.jwks) {
        return { endpoint: 'jwks', respond: () => jsonReply(keys.jwks()) }
      }
      if (pathname === paths.introspection) return introspection.route()
      if (pathname === paths.token) return tokenEndpoint.route()
      if (serveOauth && pathname === paths.oauth) {
        return {
          endpoint: 'metadata',
          respond: () => jsonReply(metadataDocument('oauth', locations, extra)),
        }
      }
      if (serveOpenid && pathname === paths.openid) {
        return {
          endpoint: 'metadata',
          respond: () => jsonReply(metadataDocument('openid', locations, extra)),
        }
      }
      return undefined
    },
  )
  // The routes read `locations` and `introspection` lazily, after these lines have run.
  const locations = issuerLocations(server.origin, path)
  const context = { issuer: locations.issuer, audience, tokenLifetime, algorithm, keys }
  const tokens = new TokenRegistry(context)
  const introspection = new IntrospectionEndpoint({
    issuer: locations.issuer,
    endpoint: locations.introspectionEndpoint,
    keys,
    tokens,
    client: (clientId) => clients.get(clientId),
  })
  const tokenEndpoint = new TokenEndpoint({
    issuer: locations.issuer,
    endpoint: locations.tokenEndpoint,
    tokenLifetime,
    client: (clientId) => clients.get(clientId),
    answer: (token) => tokens.answer(token),
    sign: (claims) => signAccessToken(context, claims),
  })

  return {
    issuer: locations.issuer,
    origin: locations.origin,
    jwksUri: locations.jwksUri,
    introspectionEndpoint: locations.introspectionEndpoint,
    tokenEndpoint: locations.tokenEndpoint,
    metadataUrls: { ...locations.metadataUrls },
    audience,
    sign: (claims, signOptions) => signAccessToken(context, claims, signOptions),
    issueOpaque: (claims, opaqueOptions) => tokens.issue(claims, opaqueOptions),
    revoke: (token) => tokens.revoke(token),
    registerClient: (client) => {
      const copy = copyClient(client, 'registerClient(client)')
      clients.set(copy.clientId, copy)
    },
    introspectionRequests: () => introspection.requests(),
    jwks: () => keys.jwks(),
    metadata: (kind) => metadataDocument(kind, locations, extra),
    publicJwk: (alg = algorithm) => ({ ...keys.currentSync(alg).publicJwk }),
    publicKeyPem: (alg = algorithm) =>
      keys.currentSync(alg).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    rotateKey: async (alg = algorithm) => (await keys.rotate(alg)).kid,
    removeKey: (kid) => {
      if (!keys.get(kid))
        throw new TypeError(`The test issuer has no key with kid ${JSON.stringify(kid)}`)
      keys.unpublish(kid)
    },
    requestCount: (endpoint) => server.requestCount(endpoint),
    resetCounts: () => {
      server.resetCounts()
      introspection.reset()
    },
    setFault: (endpoint, fault) => server.setFault(endpoint, fault),
    close: () => server.close(),
  }
}
