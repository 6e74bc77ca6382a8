import { defaultFetch, fetchJson, FetchJsonError, type FetchLike } from './internal/fetch-json.js'
import { learnedUrlProblem, redactUrl } from './url-policy.js'

/** Authorization server metadata (RFC 8414 / OpenID Connect Discovery); members the RS may use. */
export interface AuthorizationServerMetadata {
  issuer: string
  jwks_uri?: string
  introspection_endpoint?: string
  token_endpoint?: string
  scopes_supported?: string[]
  [member: string]: unknown
}

/**
 * The metadata URLs to try for an issuer, in the order MCP clients use (MCP 2026-07-28):
 * RFC 8414 path insertion of `oauth-authorization-server`, OIDC path insertion of
 * `openid-configuration`, then OIDC appending. An issuer without a path gets the first two.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  const origin = url.origin
  const urls = [
    `${origin}/.well-known/oauth-authorization-server${path}`,
    `${origin}/.well-known/openid-configuration${path}`,
  ]
  if (path !== '') urls.push(`${origin}${path}/.well-known/openid-configuration`)
  return urls
}

/** Raised when no usable metadata document was found; the message lists what each URL answered. */
export class DiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DiscoveryError'
  }
}

/** Options for {@link discoverMetadata}. */
export interface DiscoveryOptions {
  /** Fetch this URL only, instead of the well-known locations. */
  metadataUrl?: string | undefined
  fetch?: FetchLike | undefined
  /** @default 5000 */
  timeoutMs?: number | undefined
  /**
   * Allow `http:` URLs outside loopback. URLs with userinfo (`user:password@`) are refused
   * either way, in `metadataUrl` and in the document's `jwks_uri`.
   * @default false
   */
  allowInsecureHttp?: boolean | undefined
}

/**
 * Fetches an issuer's metadata, trying the well-known URLs in order, and returns the first
 * document whose `issuer` is identical to the expected issuer (RFC 8414 §3.3). Documents naming
 * another issuer are never used.
 * @throws DiscoveryError describing each attempt when none succeeds.
 */
export async function discoverMetadata(
  issuer: string,
  options: DiscoveryOptions = {},
): Promise<AuthorizationServerMetadata> {
  const fetch = options.fetch ?? defaultFetch
  const timeoutMs = options.timeoutMs ?? 5000
  const allowInsecure = options.allowInsecureHttp ?? false
  const candidates = options.metadataUrl ? [options.metadataUrl] : metadataUrls(issuer)
  const problems: string[] = []
  let lastCause: unknown
  for (const url of candidates) {
    const urlProblem = learnedUrlProblem('metadata URL', url, allowInsecure)
    if (urlProblem !== undefined) {
      problems.push(urlProblem)
      continue
    }
    let document: Record<string, unknown>
    try {
      document = await fetchJson(url, { fetch, timeoutMs })
    } catch (cause) {
      lastCause = cause
      problems.push(
        cause instanceof FetchJsonError ? cause.message : `GET ${redactUrl(url)} failed`,
      )
      continue
    }
    if (document['issuer'] !== issuer) {
      problems.push(
        `${redactUrl(url)} names issuer ${JSON.stringify(document['issuer'])}, expected ${JSON.stringify(issuer)}`,
      )
      continue
    }
    // Learned URLs obey the rules of configured ones; introspection_endpoint is checked where it
    // is used, so that a bad one does not stop JWT verification.
    const jwksUri = document['jwks_uri']
    const problem =
      jwksUri === undefined ? undefined : learnedUrlProblem('jwks_uri', jwksUri, allowInsecure)
    if (problem !== undefined) {
      problems.push(`${redactUrl(url)}: ${problem}`)
      continue
    }
    return document as AuthorizationServerMetadata
  }
  throw new DiscoveryError(
    `no usable authorization server metadata for issuer ${issuer}: ${problems.join('; ')}`,
    { cause: lastCause },
  )
}
