import { CHALLENGE_SCHEMES, type ChallengeParams, type ChallengeSchemes } from './challenge.js'
import { createDpopNonces, type DpopNonceOptions, type DpopNonces } from './dpop-nonce.js'
import { nativeSignatures } from '#platform/signature'
import { DPOP_ALGORITHMS, verifyDpopProof, type VerifiedDpopProof } from './dpop.js'
import {
  ConfigurationError,
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from './errors.js'
import { parsePublicOrigin } from './htu.js'
import type { Logger } from './logger.js'
import { requestHtu } from './request-origin.js'
import { headerValues, type RequestLike } from './request.js'
import type { Store } from './store.js'
import { hashToken } from './token-hash.js'
import { redactText } from './url-policy.js'

/**
 * Whether the `DPoP` scheme (RFC 9449) is refused, accepted next to `Bearer`, or the only scheme
 * accepted.
 */
export type DpopPolicy = 'disabled' | 'allowed' | 'required'

/** DPoP (RFC 9449) settings of a resource server. */
export interface DpopOptions {
  /** @default 'allowed' */
  policy?: DpopPolicy
  /**
   * Accepted proof algorithms (asymmetric only), also advertised in the challenge's `algs`.
   * @default ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA, Ed25519
   */
  algorithms?: readonly string[]
  /** Oldest accepted proof, in seconds after its `iat`. @default 300 */
  maxProofAge?: number
  /** Allowed `iat` in the future, in seconds. @default the resource server's `clockTolerance` */
  clockTolerance?: number
  /**
   * Require server-provided nonces (RFC 9449 §9): `true` for nonces kept in the store, or
   * {@link DpopNonceOptions}. Proofs without a currently valid nonce get 401 `use_dpop_nonce` with
   * a `DPoP-Nonce` header; successful responses carry a new nonce when it rotated.
   * @default false
   */
  nonce?: boolean | DpopNonceOptions
}

/** A verified proof and what it proves, as exposed on the auth object. */
export interface DpopProofInfo {
  /** The RFC 7638 SHA-256 thumbprint of the proof key (equal to the token's `cnf.jkt`). */
  thumbprint: string
  /** The proof key (public JWK). */
  jwk: Readonly<Record<string, unknown>>
  /** The proof's `alg`. */
  algorithm: string
}

/** The resource server's DPoP machinery. */
export interface DpopVerifier {
  readonly policy: DpopPolicy
  /** Challenge schemes every error of this server offers. */
  readonly schemes: ChallengeSchemes
  /**
   * Protected resource metadata members (RFC 9728 §2): `dpop_signing_alg_values_supported`, and
   * `dpop_bound_access_tokens_required` when DPoP is required; none when it is disabled.
   */
  readonly metadata: Readonly<Record<string, unknown>>
  /** Checks the request's proof for this token (everything but the token binding and replay). */
  verifyProof(request: RequestLike, token: string): Promise<VerifiedDpopProof>
  /** Checks the token's `cnf.jkt` against the proof key, then records the proof's `jti`. */
  bindAndRecord(claims: Readonly<Record<string, unknown>>, proof: VerifiedDpopProof): Promise<void>
  /** Refuses a Bearer request that also carries a DPoP proof (ambiguous, RFC 9449 §7.2). */
  checkBearer(request: RequestLike | undefined): void
  /** Response headers for a successful DPoP request: a fresh `DPoP-Nonce` after rotation. */
  successHeaders(proof: VerifiedDpopProof): Promise<Record<string, string>>
  /**
   * Challenge parameters with the scheme the request used: an error goes on that scheme's
   * challenge (on both when unknown).
   */
  paramsFor(params: ChallengeParams, used: 'Bearer' | 'DPoP' | undefined): ChallengeParams
  /**
   * The scheme of the request's Authorization header, for errors raised before extraction
   * succeeded: `DPoP` or `Bearer`, undefined when several headers mix DPoP with another scheme.
   */
  schemeOf(request: RequestLike): 'Bearer' | 'DPoP' | undefined
}

const POLICIES: readonly DpopPolicy[] = ['disabled', 'allowed', 'required']
const NONCE_KEYS = new Set(['secret', 'rotationSeconds'])
const KEYS = new Set(['policy', 'algorithms', 'maxProofAge', 'clockTolerance', 'nonce'])

/** Resolves `dpop` (a policy or options) and validates it. @throws ConfigurationError */
export function resolveDpopOptions(value: unknown): DpopOptions & { policy: DpopPolicy } {
  if (value === undefined) return { policy: 'allowed' }
  if (typeof value === 'string') {
    if (!POLICIES.includes(value as DpopPolicy)) {
      throw new ConfigurationError(
        `dpop must be 'disabled', 'allowed' or 'required' (or options), got ${JSON.stringify(value)}`,
      )
    }
    return { policy: value as DpopPolicy }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError("dpop must be 'disabled', 'allowed', 'required' or options")
  }
  const options = value as DpopOptions
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new ConfigurationError(`unknown option "dpop.${key}"`)
  }
  const policy = options.policy ?? 'allowed'
  if (!POLICIES.includes(policy)) {
    throw new ConfigurationError(`dpop.policy must be 'disabled', 'allowed' or 'required'`)
  }
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
      throw new ConfigurationError('dpop.algorithms must be a non-empty array, e.g. ["ES256"]')
    }
    for (const alg of options.algorithms) {
      if (!DPOP_ALGORITHMS.includes(alg)) {
        throw new ConfigurationError(
          `dpop.algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm; use ${DPOP_ALGORITHMS.join(', ')}`,
        )
      }
    }
  }
  for (const key of ['maxProofAge', 'clockTolerance'] as const) {
    const n = options[key]
    if (n !== undefined && (typeof n !== 'number' || !Number.isFinite(n) || n < 0)) {
      throw new ConfigurationError(`dpop.${key} must be a non-negative number of seconds`)
    }
  }
  const nonce = options.nonce
  if (nonce !== undefined && typeof nonce !== 'boolean') {
    if (typeof nonce !== 'object' || nonce === null || Array.isArray(nonce)) {
      throw new ConfigurationError(
        'dpop.nonce must be true, false or { secret?, rotationSeconds? }',
      )
    }
    for (const key of Object.keys(nonce)) {
      if (!NONCE_KEYS.has(key)) throw new ConfigurationError(`unknown option "dpop.nonce.${key}"`)
    }
    const secret = nonce.secret
    if (secret !== undefined) {
      const length =
        typeof secret === 'string'
          ? new TextEncoder().encode(secret).length
          : secret instanceof Uint8Array
            ? secret.length
            : -1
      if (length < 32) {
        throw new ConfigurationError(
          'dpop.nonce.secret must be a string or Uint8Array of at least 32 bytes (e.g. 32 random bytes, base64)',
        )
      }
    }
    const rotation = nonce.rotationSeconds
    if (
      rotation !== undefined &&
      (typeof rotation !== 'number' || !Number.isInteger(rotation) || rotation < 1)
    ) {
      throw new ConfigurationError('dpop.nonce.rotationSeconds must be a positive whole number')
    }
  }
  return { ...options, policy }
}

/** Validates the `publicOrigin` option. @throws ConfigurationError */
export function resolvePublicOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const parsed = parsePublicOrigin(value)
  if ('problem' in parsed) throw new ConfigurationError(`publicOrigin ${parsed.problem}`)
  return parsed.origin
}

/** What the DPoP verifier needs from the resource server. */
export interface DpopContext {
  store: Store
  logger: Logger
  now: () => number
  /** The resource server's clock tolerance in seconds. */
  clockTolerance: number
  publicOrigin: string | undefined
}

function invalid(description: string): InvalidDpopProofError {
  return new InvalidDpopProofError(description)
}

function storeUnavailable(cause: unknown): TemporarilyUnavailableError {
  return new TemporarilyUnavailableError(undefined, { cause, reason: 'store_unavailable' })
}

/** Creates the DPoP verifier from resolved options. */
export function createDpopVerifier(
  options: DpopOptions & { policy: DpopPolicy },
  context: DpopContext,
): DpopVerifier {
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS
  const rules = {
    algorithms,
    maxAge: options.maxProofAge ?? 300,
    clockTolerance: options.clockTolerance ?? context.clockTolerance,
  }
  const nonceOptions = options.nonce === true ? {} : options.nonce || undefined
  const nonces: DpopNonces | undefined =
    nonceOptions === undefined
      ? undefined
      : createDpopNonces(nonceOptions, context.store, context.now)
  const schemes: ChallengeSchemes =
    options.policy === 'disabled'
      ? { bearer: true }
      : { bearer: options.policy === 'allowed', dpopAlgs: algorithms.join(' ') }
  const { store, logger } = context
  if (options.policy !== 'disabled' && context.publicOrigin === undefined) {
    logger.warn(
      `DPoP is ${options.policy === 'required' ? 'required' : 'allowed (the default)'} and publicOrigin is not set, so DPoP proofs are checked against the scheme and Host header each request arrived with. Set publicOrigin to the origin clients use (e.g. "https://api.example.com"), above all behind a proxy; or set dpop: 'disabled' if this API does not accept DPoP`,
    )
  }
  // paramsFor runs on every request with the server's one params object: its variants are built
  // once (frozen, as they are shared by every request) instead of on every request.
  let variantsOf: ChallengeParams | undefined
  let variants: Record<'Bearer' | 'DPoP' | 'unknown', ChallengeParams> | undefined
  const variant = (params: ChallengeParams, used: 'Bearer' | 'DPoP' | undefined): ChallengeParams =>
    Object.freeze({ ...params, [CHALLENGE_SCHEMES]: Object.freeze({ ...schemes, used }) })

  async function currentNonce(): Promise<string> {
    try {
      return await (nonces as DpopNonces).current()
    } catch (cause) {
      logger.error('cannot read the DPoP nonce from the store', {
        cause: redactText(String(cause)),
      })
      throw storeUnavailable(cause)
    }
  }

  return {
    policy: options.policy,
    schemes,
    metadata:
      options.policy === 'disabled'
        ? {}
        : {
            dpop_signing_alg_values_supported: [...algorithms],
            ...(options.policy === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
          },
    async verifyProof(request, token) {
      const values = headerValues(request, 'dpop')
      if (values.length === 0) throw invalid('The request has no DPoP proof header')
      if (values.length > 1 || (values[0] as string).includes(',')) {
        throw invalid('The request has more than one DPoP header')
      }
      // Only now, for a request that carries a proof: plain Bearer requests never pay for it.
      const htu = requestHtu(request, context.publicOrigin)
      const proof = await verifyDpopProof(
        (values[0] as string).trim(),
        { method: request.method, htu, accessToken: token, now: Math.floor(context.now() / 1000) },
        rules,
        nativeSignatures,
      )
      if (nonces !== undefined) {
        let valid: boolean
        try {
          valid = proof.nonce !== undefined && (await nonces.isValid(proof.nonce))
        } catch (cause) {
          logger.error('cannot read the DPoP nonce from the store', {
            cause: redactText(String(cause)),
          })
          throw storeUnavailable(cause)
        }
        if (!valid) {
          throw new UseDpopNonceError(
            await currentNonce(),
            proof.nonce === undefined
              ? 'The DPoP proof must carry the nonce from the DPoP-Nonce header'
              : 'The nonce of the DPoP proof is not current; use the one from the DPoP-Nonce header',
          )
        }
      }
      return proof
    },
    async bindAndRecord(claims, proof) {
      const cnf = claims['cnf']
      const jkt =
        typeof cnf === 'object' && cnf !== null
          ? (cnf as Record<string, unknown>)['jkt']
          : undefined
      if (jkt === undefined) {
        throw new InvalidTokenError(
          'The access token is not bound to a DPoP key (it has no cnf.jkt)',
          { reason: 'dpop_binding' },
        )
      }
      if (jkt !== proof.thumbprint) {
        throw new InvalidTokenError('Invalid DPoP key binding', { reason: 'dpop_binding' })
      }
      // RFC 9449 §11.1: remember the jti, for this URI, as long as the proof could be accepted.
      const marker = `${proof.htu}\n${proof.jti}`
      const key = `dpop:v1:jti:${nativeSignatures?.sha256(marker) ?? (await hashToken(marker))}`
      const ttlMs = Math.max(1000, (proof.iat + rules.maxAge + 1) * 1000 - context.now())
      let fresh: boolean
      try {
        fresh = await store.setIfAbsent(key, '1', ttlMs, 'state')
      } catch (cause) {
        logger.error('cannot record the DPoP proof in the store', {
          cause: redactText(String(cause)),
        })
        throw storeUnavailable(cause)
      }
      if (!fresh) {
        throw new InvalidDpopProofError('The DPoP proof was already used', {
          reason: 'dpop_replay',
        })
      }
    },
    checkBearer(request) {
      if (options.policy === 'disabled' || request === undefined) return
      if (headerValues(request, 'dpop').length > 0) {
        throw new InvalidRequestError(
          'A DPoP proof was sent with a Bearer token; send a DPoP-bound token with the DPoP scheme',
          { reason: 'multiple_methods' },
        )
      }
    },
    async successHeaders(proof) {
      if (nonces === undefined) return {}
      try {
        const current = await nonces.current()
        const headers: Record<string, string> = {}
        if (proof.nonce !== current) headers['DPoP-Nonce'] = current
        return headers
      } catch (cause) {
        // The request itself is fine; the client gets a new nonce on its next use_dpop_nonce.
        logger.warn('cannot read the DPoP nonce from the store', {
          cause: redactText(String(cause)),
        })
        return {}
      }
    },
    paramsFor(params, used) {
      if (options.policy === 'disabled') return params
      if (variants === undefined || variantsOf !== params) {
        variants = {
          Bearer: variant(params, 'Bearer'),
          DPoP: variant(params, 'DPoP'),
          unknown: variant(params, undefined),
        }
        variantsOf = params
      }
      return variants[used ?? 'unknown']
    },
    schemeOf(request) {
      const schemes = new Set(
        headerValues(request, 'authorization').map((value) =>
          /^\s*dpop(?:[ \t]|$)/i.test(value) ? 'DPoP' : 'Bearer',
        ),
      )
      if (schemes.size > 1) return undefined
      return schemes.has('DPoP') ? 'DPoP' : 'Bearer'
    },
  }
}
