import { decodeJwt } from 'jose'
import { LRUCache } from 'lru-cache'
import { createConfigurationKey } from './configuration-key.js'
import { ConfigurationError, InvalidTokenError } from './errors.js'
import {
  createIssuerVerifier,
  looksLikeJwt,
  type IssuerVerifier,
  type SharedVerification,
} from './issuer-verifier.js'
import {
  topLevelIssuer,
  validateIssuerOptions,
  withDefaults,
  type IssuerOptions,
} from './issuer-options.js'
import type { ResourceServerOptions } from './options.js'
import type { RequestLike } from './request.js'
import { redactText } from './url-policy.js'

/** The issuers a resource server trusts and how a token finds the one whose rules verify it. */
export interface IssuerRegistry {
  /** The verifiers of the configured issuers (`issuer` or `issuers`), in order. */
  readonly configured: readonly IssuerVerifier[]
  /** Whether issuers are chosen per request by `resolveIssuer`. */
  readonly resolves: boolean
  /** The configured verifier of an issuer identifier, if any. */
  configuredFor(issuer: string): IssuerVerifier | undefined
  /**
   * The verifier for a token: chosen by `resolveIssuer` (with a request), else the only
   * configured issuer, else the JWT's unverified `iss` among the configured ones, else the only
   * introspecting issuer. Never fetches anything for an issuer that is not configured or resolved.
   * @throws InvalidTokenError when no trusted issuer fits.
   */
  select(token: string, request: RequestLike | undefined): IssuerVerifier | Promise<IssuerVerifier>
}

/** Most resolved tenant configurations kept with their keys and caches. */
const RESOLVED_MAX = 1000

function unknownIssuer(): InvalidTokenError {
  return new InvalidTokenError('The access token was not issued by an accepted issuer', {
    reason: 'issuer_mismatch',
  })
}

function malformed(): InvalidTokenError {
  return new InvalidTokenError('The access token is malformed', { reason: 'malformed_token' })
}

/**
 * Builds the verifiers of the configured issuers, and those of resolved tenants on first use.
 * A verifier — its keys, metadata, introspection client and every cache entry it produces — is
 * identified by its whole effective configuration, never by the issuer string alone: two tenants
 * of one identity provider with different audiences or key sources share nothing, whatever the
 * order in which they are first seen.
 */
export function createIssuerRegistry(
  options: ResourceServerOptions,
  shared: SharedVerification,
): IssuerRegistry {
  const configurationKey = createConfigurationKey()
  const byIssuer = new Map<string, IssuerVerifier>()
  const byConfiguration = new Map<string, IssuerVerifier>()
  const single = topLevelIssuer(options)
  for (const issuerOptions of single ? [single] : (options.issuers ?? [])) {
    const effective = withDefaults(issuerOptions, options)
    const verifier = createIssuerVerifier(effective, shared, options.privateNetworks ?? 'allow')
    byIssuer.set(verifier.issuer, verifier)
    byConfiguration.set(configurationKey(effective), verifier)
  }
  const configured = [...byIssuer.values()]
  const only = configured.length === 1 ? configured[0] : undefined
  const introspecting = configured.filter((v) => v.introspects)
  const resolved = new LRUCache<string, IssuerVerifier>({ max: RESOLVED_MAX })
  const resolveIssuer = options.resolveIssuer

  function fromResolver(choice: string | IssuerOptions | undefined): IssuerVerifier {
    if (choice === undefined) throw unknownIssuer()
    if (typeof choice === 'string') {
      const verifier = byIssuer.get(choice)
      if (verifier === undefined) {
        shared.logger.warn(`resolveIssuer returned ${redactText(choice)}, which is not in issuers`)
        throw unknownIssuer()
      }
      return verifier
    }
    const effective = withDefaults(choice, options)
    const key = configurationKey(effective)
    const known = byConfiguration.get(key) ?? resolved.get(key)
    if (known !== undefined) return known
    let verifier: IssuerVerifier
    try {
      validateIssuerOptions(effective, 'resolveIssuer()', shared.allowInsecureHttp)
      // Returned options may come from tenant data: no private networks unless allowed.
      verifier = createIssuerVerifier(effective, shared, options.privateNetworks ?? 'refuse')
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      // A ConfigurationError is for construction; here the request may have picked the tenant.
      // The operator reads what is wrong in the log; the client gets the unknown-issuer 401.
      shared.logger.error('resolveIssuer returned an invalid issuer configuration', {
        cause: redactText(error.message),
      })
      throw unknownIssuer()
    }
    resolved.set(key, verifier)
    return verifier
  }

  return {
    configured,
    resolves: resolveIssuer !== undefined,
    configuredFor: (issuer) => byIssuer.get(issuer),
    select(token, request) {
      if (resolveIssuer !== undefined && request !== undefined) {
        return (async () => fromResolver(await resolveIssuer(request)))()
      }
      if (only !== undefined) return only
      if (looksLikeJwt(token)) {
        let iss: unknown
        try {
          iss = decodeJwt(token).iss
        } catch {
          throw malformed()
        }
        const verifier = typeof iss === 'string' ? byIssuer.get(iss) : undefined
        if (verifier === undefined) throw unknownIssuer()
        return verifier
      }
      if (introspecting.length === 1) return introspecting[0] as IssuerVerifier
      throw malformed()
    },
  }
}
