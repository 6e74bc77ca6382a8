import { checkClaimTypes } from './claim-types.js'
import { DiscoveryError, discoverMetadata, type AuthorizationServerMetadata } from './discovery.js'
import { InvalidTokenError } from './errors.js'
import type { EventSink } from './events.js'
import type { FetchLike } from './internal/fetch-json.js'
import { refusePrivateNetworks } from './internal/upstream-guard.js'
import { createIntrospector } from './introspection.js'
import { nativeSignatures } from '#platform/signature'
import {
  applyVerdict,
  createTokenVerifier,
  type ClaimValidator,
  type VerifiedJwt,
} from './jwt-verify.js'
import {
  ASYMMETRIC_ALGORITHMS,
  secretSource,
  staticJwksSource,
  type KeySource,
} from './key-source.js'
import type { Logger } from './logger.js'
import type { NativeSignatures } from './native-signatures.js'
import { publicKeySource } from './public-key.js'
import type { IssuerOptions, TokenFormat } from './issuer-options.js'
import { checkNumberOption } from './internal/option-checks.js'
import { remoteJwksSource, type RemoteJwksTiming } from './remote-jwks.js'
import type { Store } from './store.js'
import { learnedUrlProblem } from './url-policy.js'

/** Settings shared by every issuer of a resource server. */
export interface SharedVerification {
  strict: boolean
  clockTolerance: number
  maxTokenAge: number | undefined
  requiredClaims: readonly string[]
  validators: readonly ClaimValidator[]
  jwksTiming: RemoteJwksTiming | undefined
  metadataTiming: MetadataTiming | undefined
  discoveryTimeoutMs: number | undefined
  allowInsecureHttp: boolean
  store: Store
  logger: Logger
  /** Where key fetches and cache lookups are reported. */
  events: EventSink
  fetch: FetchLike
  now: () => number
  /**
   * Synchronous signature primitives; when the member is absent, the runtime's own
   * (`node:crypto` on Node.js, none elsewhere). Set to undefined to verify through Web Crypto.
   */
  native?: NativeSignatures | undefined
}

/** A token verified by one issuer's rules. */
export interface IssuerVerification {
  claims: Record<string, unknown>
  header: Record<string, unknown>
  format: 'jwt' | 'opaque'
  /** Introspection: when the answer was asked for (milliseconds); its reuse is counted from here. */
  obtainedAt?: number
}

/** Everything needed to verify one issuer's tokens, built once per issuer. */
export interface IssuerVerifier {
  readonly issuer: string
  readonly audiences: readonly string[]
  /** Whether opaque tokens can be verified (introspection is configured). */
  readonly introspects: boolean
  /**
   * How long an active introspection result may be reused, in milliseconds; undefined when
   * introspection results are not cached (`introspection.cache: false`) or not configured.
   */
  readonly introspectionReuseMs: number | undefined
  /** Synchronous where it can be (a JWT whose keys are at hand, on the native path). */
  verify(token: string): IssuerVerification | Promise<IssuerVerification>
  warmUp(): Promise<void>
}

/** How long fetched authorization server metadata is used. */
export interface MetadataTiming {
  /**
   * A metadata document older than this is fetched again when it is next needed (for the JWKS
   * URI or the introspection endpoint); until that succeeds, the previous one keeps being used.
   * @default 86400000 (24 hours)
   */
  maxAgeMs?: number
}

/**
 * Validates the resource server's `metadataTiming` option (its shape is checked before).
 * @throws ConfigurationError
 */
export function validateMetadataTiming(timing: MetadataTiming | undefined): void {
  checkNumberOption('metadataTiming.maxAgeMs', timing?.maxAgeMs, false)
}

const METADATA_MAX_AGE_MS = 24 * 60 * 60 * 1000
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']

/**
 * Whether a token is shaped like a JWS (three base64url segments whose first decodes to a JSON
 * object with an `alg`). Decides, in `auto` mode, between local verification and introspection.
 */
export function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.')
  if (first <= 0) return false
  const second = token.indexOf('.', first + 1)
  if (second === -1 || token.indexOf('.', second + 1) !== -1) return false
  try {
    const header = JSON.parse(
      atob(token.slice(0, first).replace(/-/g, '+').replace(/_/g, '/')),
    ) as unknown
    return typeof header === 'object' && header !== null && 'alg' in header
  } catch {
    return false
  }
}

/** Whether an issuer's upstream requests may reach private networks (see `privateNetworks`). */
export type PrivateNetworkPolicy = 'refuse' | 'allow'

/**
 * Builds the verifier for one issuer; options must already be validated. With `privateNetworks`
 * `'refuse'`, every request for this issuer (metadata, keys, introspection) first checks that its
 * host is not on a private network.
 */
export function createIssuerVerifier(
  options: IssuerOptions,
  shared: SharedVerification,
  privateNetworks: PrivateNetworkPolicy = 'allow',
): IssuerVerifier {
  const { issuer } = options
  const audience = options.audience as string | readonly string[]
  const audiences = typeof audience === 'string' ? [audience] : [...audience]
  const { logger, now } = shared
  const fetch = privateNetworks === 'refuse' ? refusePrivateNetworks(shared.fetch) : shared.fetch
  /** A URL from the metadata, checked like a configured one before anything is sent to it. */
  const learned = (member: string, value: unknown): string => {
    const problem = learnedUrlProblem(member, value, shared.allowInsecureHttp)
    if (problem !== undefined) {
      throw new DiscoveryError(`the metadata of issuer ${issuer} has an unusable ${problem}`)
    }
    return value as string
  }

  // Metadata is fetched on first need and refreshed once it is `metadataTiming.maxAgeMs` old;
  // until a refresh succeeds, the previous document keeps being used.
  const metadataMaxAgeMs = shared.metadataTiming?.maxAgeMs ?? METADATA_MAX_AGE_MS
  let metadata: Promise<AuthorizationServerMetadata> | undefined
  let metadataAt = 0
  const loadMetadata = (): Promise<AuthorizationServerMetadata> => {
    const previous = metadata
    if (previous !== undefined && now() - metadataAt < metadataMaxAgeMs) return previous
    metadataAt = now()
    metadata = discoverMetadata(issuer, {
      metadataUrl: options.metadataUrl,
      fetch,
      timeoutMs: shared.discoveryTimeoutMs,
      allowInsecureHttp: shared.allowInsecureHttp,
    }).catch((error: unknown) => {
      if (previous !== undefined) {
        logger.warn(`refreshing the metadata of ${issuer} failed; keeping the previous document`)
        metadata = previous
        return previous
      }
      metadata = undefined
      throw error
    })
    return metadata
  }

  const algorithms =
    options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ASYMMETRIC_ALGORITHMS)
  const native = 'native' in shared ? shared.native : nativeSignatures
  let keys: KeySource
  if (options.secret !== undefined) keys = secretSource(options.secret, algorithms, native)
  else if (options.jwks !== undefined) keys = staticJwksSource(options.jwks, native)
  else if (options.publicKey !== undefined) {
    keys = publicKeySource(options.publicKey, algorithms, logger, native)
  } else {
    const url =
      options.jwksUri ??
      (async () => {
        const document = await loadMetadata()
        if (document.jwks_uri === undefined) {
          throw new DiscoveryError(`the metadata of issuer ${issuer} has no jwks_uri`)
        }
        return learned('jwks_uri', document.jwks_uri)
      })
    keys = remoteJwksSource({
      ...shared.jwksTiming,
      url,
      fetch,
      logger,
      now,
      events: shared.events,
      issuer,
      native,
    })
  }

  const requiredClaims = new Set([
    ...(shared.strict ? RFC9068_CLAIMS : ['exp']),
    ...shared.requiredClaims,
  ])
  const verifyJwt = createTokenVerifier({
    issuer,
    audiences,
    algorithms,
    keys,
    clockTolerance: shared.clockTolerance,
    maxTokenAge: shared.maxTokenAge,
    requiredClaims: [...requiredClaims],
    strictType: shared.strict,
    validators: shared.validators,
    now,
    logger,
    native,
  })

  const introspection = options.introspection
  const introspect =
    introspection === undefined
      ? undefined
      : createIntrospector({
          issuer,
          audiences,
          options: introspection,
          keys,
          store: shared.store,
          fetch,
          logger,
          events: shared.events,
          clockTolerance: shared.clockTolerance,
          now,
          endpoint: async () => {
            if (introspection.endpoint !== undefined) return introspection.endpoint
            const document = await loadMetadata()
            const endpoint = document.introspection_endpoint
            if (endpoint === undefined) {
              throw new DiscoveryError(
                `the metadata of issuer ${issuer} has no introspection_endpoint; set introspection.endpoint`,
              )
            }
            return learned('introspection_endpoint', endpoint)
          },
        })
  const format: TokenFormat = options.tokenFormat ?? (introspect ? 'auto' : 'jwt')

  const fromJwt = ({ protectedHeader, payload }: VerifiedJwt): IssuerVerification => ({
    claims: payload,
    header: protectedHeader as Record<string, unknown>,
    format: 'jwt',
  })

  async function verifyOpaque(token: string): Promise<IssuerVerification> {
    if (introspect === undefined) {
      throw new InvalidTokenError('The access token is malformed', { reason: 'malformed_token' })
    }
    const { claims, obtainedAt } = await introspect(token)
    // RFC 7662 makes every claim optional, so strict mode checks types here, not presence.
    checkClaimTypes(claims, shared.strict)
    for (const validate of shared.validators) {
      applyVerdict(await validate(claims, {}))
    }
    return { claims, header: {}, format: 'opaque', obtainedAt }
  }

  return {
    issuer,
    audiences,
    introspects: introspect !== undefined,
    introspectionReuseMs:
      introspection === undefined || introspection.cache === false
        ? undefined
        : (introspection.cache?.maxTtlSeconds ?? 300) * 1000,
    verify(token) {
      const useJwt = format === 'jwt' || (format === 'auto' && looksLikeJwt(token))
      if (!useJwt) return verifyOpaque(token)
      const verifiedJwt = verifyJwt(token)
      return verifiedJwt instanceof Promise ? verifiedJwt.then(fromJwt) : fromJwt(verifiedJwt)
    },
    async warmUp() {
      if (format !== 'opaque') await keys.warmUp()
      if (introspection !== undefined && introspection.endpoint === undefined) {
        try {
          const document = await loadMetadata()
          if (document.introspection_endpoint === undefined) {
            throw new Error(`the metadata of issuer ${issuer} has no introspection_endpoint`)
          }
          learned('introspection_endpoint', document.introspection_endpoint)
        } catch (error) {
          throw new Error(`scopeguard: ${(error as Error).message}`, { cause: error })
        }
      }
    },
  }
}
