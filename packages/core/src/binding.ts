import { InvalidTokenError } from './errors.js'
import type { Logger } from './logger.js'
import type { RequestLike } from './request.js'
import { base64url } from './token-hash.js'

/**
 * How token binding is enforced: `'checked'` enforces the binding a token carries, `'required'`
 * also refuses unbound tokens, `'ignored'` enforces none (see the `binding` option).
 */
export type BindingPolicy = 'checked' | 'required' | 'ignored'

/** The `binding` option with its default; warns when binding checks are turned off. */
export function resolveBindingPolicy(
  policy: BindingPolicy | undefined,
  logger: Logger,
): BindingPolicy {
  if (policy === 'ignored') {
    logger.warn(
      "binding: 'ignored' turns off token binding checks: a stolen DPoP-bound or certificate-bound token is accepted as a plain Bearer token. Use it only while migrating, and return to 'checked'",
    )
  }
  return policy ?? 'checked'
}

/** How a request proves possession of the key its token is bound to. */
export interface PresentedBinding {
  /** The authorization scheme the token came with. */
  scheme: 'Bearer' | 'DPoP'
  /** The DER bytes of the TLS client certificate, when the connection has one. */
  clientCertificate: Uint8Array | undefined
}

/**
 * Members of the IANA "JWT Confirmation Methods" registry that this server cannot check: a key
 * (`jwk`, `jwe`, `jku`, `kid` — RFC 7800) or an OSCORE context (`osc` — RFC 9203) whose
 * possession it has no way to verify. A token bound by one of them is refused. The two registered
 * methods it can check are `jkt` (RFC 9449) and `x5t#S256` (RFC 8705); members outside the
 * registry (e.g. Keycloak's `kc-jkt-type`) are ignored, as RFC 7800 §3.1 asks of unknown members.
 */
const UNCHECKABLE_CONFIRMATIONS = ['jwk', 'jwe', 'jku', 'kid', 'osc'] as const

function invalid(
  description: string,
  reason:
    | 'bearer_downgrade'
    | 'certificate_binding'
    | 'invalid_claim'
    | 'unsupported_binding'
    | 'unbound_token',
): InvalidTokenError {
  return new InvalidTokenError(description, { reason })
}

/** Whether `cnf` names a DPoP key (`jkt`) or a client certificate (`x5t#S256`). */
function isBound(cnf: unknown): boolean {
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return false
  const confirmation = cnf as Record<string, unknown>
  return confirmation['jkt'] !== undefined || confirmation['x5t#S256'] !== undefined
}

/**
 * Whether {@link checkBinding} has anything to check for these claims: false when it would
 * resolve at once (no `cnf`, no DPoP `token_type`, policy not `required`; or policy `ignored`).
 */
export function hasBindingToCheck(
  claims: Readonly<Record<string, unknown>>,
  policy: BindingPolicy = 'checked',
): boolean {
  if (policy === 'ignored') return false
  if (policy === 'required' || claims['cnf'] !== undefined) return true
  const type = claims['token_type']
  return typeof type === 'string' && type.toLowerCase() === 'dpop'
}

/**
 * Enforces the token's `cnf` binding (RFC 9068 §4 step 11): a DPoP-bound token (`cnf.jkt` or an
 * introspected `token_type: DPoP`) must not be used with the Bearer scheme (RFC 9449 §7.2); a
 * certificate-bound token (`cnf["x5t#S256"]`) needs the TLS client certificate whose SHA-256
 * thumbprint it names (RFC 8705 §3). A registered method that cannot be checked here (`jwk`, `jwe`,
 * `jku`, `kid`, `osc`) fails closed; members outside the registry are ignored. The DPoP proof
 * itself is checked by the DPoP verifier.
 *
 * With `policy` `'required'`, a token with neither `cnf.jkt` nor `cnf["x5t#S256"]` is refused;
 * with `'ignored'`, nothing is checked here.
 */
export async function checkBinding(
  claims: Readonly<Record<string, unknown>>,
  presented: PresentedBinding,
  policy: BindingPolicy = 'checked',
): Promise<void> {
  if (policy === 'ignored') return
  const cnf = claims['cnf']
  const dpopType =
    typeof claims['token_type'] === 'string' && claims['token_type'].toLowerCase() === 'dpop'
  if (policy === 'required' && !isBound(cnf)) {
    throw invalid(
      'The access token is not sender-constrained; this resource server accepts only DPoP-bound or certificate-bound tokens',
      'unbound_token',
    )
  }
  if (cnf === undefined && !dpopType) return
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf))) {
    throw invalid('The cnf claim of the access token is malformed', 'invalid_claim')
  }
  const confirmation = (cnf ?? {}) as Record<string, unknown>
  for (const method of UNCHECKABLE_CONFIRMATIONS) {
    if (Object.hasOwn(confirmation, method)) {
      throw invalid(
        `The access token is bound by a confirmation method this server cannot check (cnf.${method})`,
        'unsupported_binding',
      )
    }
  }
  const jkt = confirmation['jkt']
  if (jkt !== undefined && (typeof jkt !== 'string' || jkt === '')) {
    throw invalid('The cnf.jkt claim of the access token is malformed', 'invalid_claim')
  }
  if ((jkt !== undefined || dpopType) && presented.scheme !== 'DPoP') {
    throw invalid(
      'The access token is bound to a DPoP key; send it with the DPoP scheme and a proof',
      'bearer_downgrade',
    )
  }
  const thumbprint = confirmation['x5t#S256']
  if (thumbprint !== undefined) {
    const certificate = presented.clientCertificate
    if (certificate === undefined) {
      throw invalid(
        'The access token is bound to a client certificate, and none was presented',
        'certificate_binding',
      )
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', certificate))
    if (typeof thumbprint !== 'string' || base64url(digest) !== thumbprint) {
      throw invalid(
        'The access token is bound to another client certificate',
        'certificate_binding',
      )
    }
  }
}
