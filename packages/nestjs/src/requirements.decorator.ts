import { requirementHandlers, type RequirementHandlers } from '@scopeguard/core/adapter'
import { appendMetadata } from './internal/append-metadata.js'
import { REQUIREMENTS_METADATA } from './scopeguard.constants.js'

type Decorators = RequirementHandlers<ClassDecorator & MethodDecorator>

const decorators: Decorators = requirementHandlers((rule) =>
  appendMetadata(REQUIREMENTS_METADATA, [rule]),
)

/**
 * Requires a strong or recent enough user authentication (RFC 9470 step-up): the token's `acr`
 * must be one of `acrValues`, and/or its `auth_time` at most `maxAge` seconds old. Otherwise the
 * guard answers 401 `insufficient_user_authentication` with `acr_values` / `max_age` in the
 * challenge. Checked before the route's scopes, so a client lacking both is first sent to
 * re-authenticate. Merges like `@Scopes()` (class and handler policies both apply).
 *
 * @throws ConfigurationError at class definition for an empty or malformed policy.
 */
export const RequireAuthentication: Decorators['requireAuthentication'] =
  decorators.requireAuthentication

/**
 * Allows only the given acting parties (RFC 8693 delegation): the current actor (outermost `act`
 * claim) must have one of these subjects or satisfy the predicate; tokens without `act` fail
 * too. Failures are 403 `insufficient_scope`.
 */
export const RequireActor: Decorators['requireActor'] = decorators.requireActor

/** Requires a delegated token (one with an `act` claim); others get 403. */
export const RequireDelegation: Decorators['requireDelegation'] = decorators.requireDelegation

/** Refuses delegated tokens (with an `act` claim) with 403: only the subject itself may call. */
export const RefuseDelegation: Decorators['refuseDelegation'] = decorators.refuseDelegation
