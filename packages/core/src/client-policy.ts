import { ConfigurationError, InvalidTokenError, TemporarilyUnavailableError } from './errors.js'
import type { Logger } from './logger.js'
import type { Store } from './store.js'
import { hashToken } from './token-hash.js'
import { redactText } from './url-policy.js'
import type { VerifiedTokenCache } from './verified-token-cache.js'

/**
 * Which client applications may call this API (`allowedClients`): a fixed list of client ids, or
 * `'registry'` for a list kept in the store (shared by every instance using it) and managed with
 * `rs.registerClient()` and `rs.revokeClient()`.
 */
export type AllowedClients = readonly string[] | 'registry'

/** The allowed-clients policy, checked on every request (cache hits included). */
export interface ClientPolicy {
  /** Throws 401 `invalid_token` (`client_not_allowed`) for a client that is not allowed. */
  check(clientId: string | undefined): Promise<void>
  /** Allows a client: in this instance's list, or in the shared registry. */
  register(clientId: string): Promise<void>
  /** Withdraws a client: its tokens are refused from the next request on. */
  revoke(clientId: string): Promise<void>
}

/** A registration never expires by itself (the Store needs a TTL; this one is ~285,000 years). */
const REGISTRATION_TTL_MS = Number.MAX_SAFE_INTEGER

/** The value of a registration. */
const REGISTERED = '1'

const clientKey = async (clientId: string): Promise<string> =>
  `client:v1:${await hashToken(clientId)}`

function notAllowed(): InvalidTokenError {
  return new InvalidTokenError(
    'The access token was issued to a client that may not call this API',
    {
      reason: 'client_not_allowed',
    },
  )
}

function checkClientId(clientId: unknown): asserts clientId is string {
  if (typeof clientId !== 'string' || clientId === '') {
    throw new TypeError('the client id must be a non-empty string')
  }
}

/** Creates the policy; undefined when every client is allowed (no `allowedClients`). */
export function createClientPolicy(
  allowed: AllowedClients | undefined,
  context: { store: Store; logger: Logger },
): ClientPolicy | undefined {
  if (allowed === undefined) return undefined
  if (allowed !== 'registry') {
    const list = new Set(allowed)
    return {
      async check(clientId) {
        if (clientId === undefined || !list.has(clientId)) throw notAllowed()
      },
      async register(clientId) {
        checkClientId(clientId)
        list.add(clientId)
      },
      async revoke(clientId) {
        checkClientId(clientId)
        list.delete(clientId)
      },
    }
  }
  const { store, logger } = context
  return {
    async check(clientId) {
      if (clientId === undefined) throw notAllowed()
      let value: string | undefined
      try {
        value = await store.get(await clientKey(clientId), 'state')
      } catch (cause) {
        logger.error('cannot read the client registry', { cause: redactText(String(cause)) })
        throw new TemporarilyUnavailableError(undefined, { cause, reason: 'store_unavailable' })
      }
      // Only a registration this version wrote counts: a value a store could not decode (which
      // reads as present, as security state must) would otherwise let a client in.
      if (value !== REGISTERED) throw notAllowed()
    },
    async register(clientId) {
      checkClientId(clientId)
      await store.set(await clientKey(clientId), REGISTERED, REGISTRATION_TTL_MS, 'state')
    },
    async revoke(clientId) {
      checkClientId(clientId)
      await store.delete(await clientKey(clientId), 'state')
    },
  }
}

/** `rs.registerClient()` and `rs.revokeClient()`. */
export interface ClientAdministration {
  registerClient(clientId: string): Promise<void>
  revokeClient(clientId: string): Promise<void>
}

/**
 * The client administration of a resource server: changes the policy, and drops the cached
 * verifications of a withdrawn client's tokens.
 * @param clientOf the client a token's claims name (`client_id`, else `azp`)
 * @throws ConfigurationError (from the methods) without `allowedClients`
 */
export function createClientAdministration(
  clients: ClientPolicy | undefined,
  cache:
    | Pick<
        VerifiedTokenCache<unknown, { readonly claims: Readonly<Record<string, unknown>> }>,
        'deleteWhere'
      >
    | undefined,
  clientOf: (claims: Readonly<Record<string, unknown>>) => string | undefined,
): ClientAdministration {
  const policy = (method: string): ClientPolicy => {
    if (clients === undefined) {
      throw new ConfigurationError(`${method}() needs the allowedClients option`)
    }
    return clients
  }
  return {
    async registerClient(clientId) {
      await policy('registerClient').register(clientId)
    },
    async revokeClient(clientId) {
      await policy('revokeClient').revoke(clientId)
      cache?.deleteWhere((e) => clientOf(e.value.claims) === clientId)
    },
  }
}
