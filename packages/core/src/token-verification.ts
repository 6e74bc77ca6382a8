import type { AuthInfo, RefusalContext } from './auth-info.js'
import { checkBinding, hasBindingToCheck, type BindingPolicy } from './binding.js'
import { buildAuthInfo, clientIdOf } from './build-auth-info.js'
import type { ClientPolicy } from './client-policy.js'
import type { DpopVerifier } from './dpop-verifier.js'
import { bearerRefused, type TokenSource } from './extract.js'
import type { IssuerRegistry } from './issuer-registry.js'
import type { IssuerVerification, IssuerVerifier } from './issuer-verifier.js'
import type { CertificateReader } from './mtls.js'
import type { RequestLike } from './request.js'
import type { Denylist } from './revocation.js'
import type { ScopeReader } from './scopes.js'
import {
  createVerifiedTokenCache,
  type VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
  type VerifiedTokenEntry,
} from './verified-token-cache.js'

/** The in-process cache of verified tokens, keyed by the token, owned by issuer verifiers. */
export type TokenCache = VerifiedTokenCache<IssuerVerifier, IssuerVerification>

/** The token cache of the `cache` option (validated), or undefined with `cache: false`. */
export function createTokenCache(
  options: VerifiedTokenCacheOptions | false | undefined,
  limits: { clockTolerance: number; maxTokenAge: number | undefined; now: () => number },
): TokenCache | undefined {
  return options === false ? undefined : createVerifiedTokenCache({ ...options, ...limits })
}

/** A token as the request presented it. */
export interface PresentedToken {
  token: string
  source: TokenSource
  /** The authorization scheme it came with (`DPoP` only with a request). */
  scheme: 'Bearer' | 'DPoP'
  /** The request it came with; absent for `verifyToken()` without one. */
  request: RequestLike | undefined
}

/** The parts of a resource server that take part in verifying a token. */
export interface TokenVerificationParts {
  registry: IssuerRegistry
  cache: TokenCache | undefined
  denylist: Denylist | undefined
  clients: ClientPolicy | undefined
  dpop: DpopVerifier
  binding: BindingPolicy
  certificateOf: CertificateReader
  scopeReader: ScopeReader
  /** The refusal context of auth objects, per scheme. */
  refusalContext: Readonly<Record<'Bearer' | 'DPoP', RefusalContext>>
  now: () => number
}

/** Verifies a presented token, or throws the OAuthError that refuses it (without the server's challenge). */
export type TokenVerification = <Claims extends object>(
  presented: PresentedToken,
) => Promise<AuthInfo<Claims>>

interface Verified {
  verifier: IssuerVerifier
  result: IssuerVerification
  /** The cache entry the result came from (a hit). */
  entry?: VerifiedTokenEntry<IssuerVerifier, IssuerVerification>
}

/**
 * The token's verification by its issuer's rules: from the cache when it holds one of the same
 * verifier (the clock is checked by the cache on every lookup), else done now and offered to the
 * cache (JWTs, and introspection answers that may be reused).
 */
async function verifiedByIssuer(
  token: string,
  request: RequestLike | undefined,
  { registry, cache, now }: TokenVerificationParts,
): Promise<Verified> {
  const entry = cache?.get(token)
  // Without resolveIssuer the token alone picks its verifier, so a hit needs no lookup.
  // Selection and verification may answer synchronously: no await then (each await is a tick).
  const selected =
    entry !== undefined && !registry.resolves ? entry.owner : registry.select(token, request)
  const verifier = selected instanceof Promise ? await selected : selected
  if (entry !== undefined && entry.owner === verifier)
    return { verifier, result: entry.value, entry }
  const verifying = verifier.verify(token)
  const result = verifying instanceof Promise ? await verifying : verifying
  if (cache !== undefined && (result.format === 'jwt' || verifier.introspectionReuseMs)) {
    const { claims } = result
    cache.set(token, verifier, result, {
      exp: claims['exp'],
      nbf: claims['nbf'],
      iat: claims['iat'],
      // An introspection answer's reuse counts from when it was asked for, wherever it was
      // read from (the endpoint, or the shared store after another instance asked).
      ...(result.format === 'opaque'
        ? {
            notAfter: (result.obtainedAt ?? now()) + (verifier.introspectionReuseMs as number),
            keepOnFirstSight: true,
          }
        : {}),
    })
  }
  return { verifier, result }
}

/**
 * Creates the verification of presented tokens, in the order of the checks: the scheme policy,
 * the DPoP proof (cheap to refuse, and a missing nonce must be asked for first), the issuer's
 * rules (or the cache), the denylist, the client policy, the token binding, then the auth object.
 */
export function createTokenVerification(parts: TokenVerificationParts): TokenVerification {
  const { denylist, clients, dpop, binding, certificateOf, scopeReader } = parts
  return async function verifyPresented<Claims extends object>({
    token,
    source,
    scheme,
    request,
  }: PresentedToken): Promise<AuthInfo<Claims>> {
    // The policy extraction applies to authenticate() holds for verifyToken() too.
    if (scheme === 'Bearer' && dpop.policy === 'required') throw bearerRefused()
    const proof =
      scheme === 'DPoP' ? await dpop.verifyProof(request as RequestLike, token) : undefined
    const { verifier, result, entry } = await verifiedByIssuer(token, request, parts)
    const claims = result.claims
    if (denylist !== undefined) {
      const hash = await denylist.check(token, verifier.issuer, claims['jti'], entry?.hash)
      if (entry !== undefined) entry.hash = hash
    }
    if (clients !== undefined) await clients.check(clientIdOf(claims))
    if (hasBindingToCheck(claims, binding)) {
      const clientCertificate = request === undefined ? undefined : certificateOf(request)
      await checkBinding(claims, { scheme, clientCertificate }, binding)
    }
    if (proof !== undefined) await dpop.bindAndRecord(claims, proof)
    else dpop.checkBearer(request)
    // A cached token's scopes are read once, on its first hit (frozen, as hits share them).
    const scopes = entry?.scopes ?? scopeReader.granted(claims)
    if (entry !== undefined && entry.scopes === undefined) entry.scopes = Object.freeze(scopes)
    const auth = buildAuthInfo<Claims>({
      token,
      scheme,
      source,
      issuer: verifier.issuer,
      verification: result,
      scopes,
      effectiveScopes: scopeReader.effective(scopes),
      dpop:
        proof === undefined
          ? undefined
          : { thumbprint: proof.thumbprint, jwk: proof.jwk, algorithm: proof.algorithm },
      refusalContext: parts.refusalContext[scheme],
      acceptedAudiences: verifier.audiences,
    })
    if (proof !== undefined) auth.responseHeaders = await dpop.successHeaders(proof)
    return auth
  }
}
