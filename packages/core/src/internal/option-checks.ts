import { ConfigurationError } from '../errors.js'
import { redactText, upstreamUrlProblem } from '../url-policy.js'
import { describeValue } from './shape.js'

/**
 * Checks that an option is an upstream URL this server may call (`https:`, or `http:` on loopback
 * or with `allowInsecureHttp`); `bareIssuer` also refuses a query or fragment (RFC 8414 §2).
 * @throws ConfigurationError naming the option
 */
export function checkUrlOption(
  name: string,
  value: unknown,
  allowInsecure: boolean,
  bareIssuer = false,
): URL {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`${name} must be a URL string, got ${describeValue(value)}`)
  }
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new ConfigurationError(`${name} is not a valid URL: ${JSON.stringify(redactText(value))}`)
  }
  const problem = upstreamUrlProblem(parsed, allowInsecure)
  if (problem !== undefined) throw new ConfigurationError(`${name}: ${problem}`)
  if (bareIssuer && (parsed.search !== '' || parsed.hash !== '')) {
    throw new ConfigurationError(`${name} must not have a query or fragment (RFC 8414 §2)`)
  }
  return parsed
}

/**
 * Checks that an optional number option is finite and not negative (nor zero, without `allowZero`).
 * @throws ConfigurationError naming the option
 */
export function checkNumberOption(name: string, value: unknown, allowZero = true): void {
  if (value === undefined) return
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw new ConfigurationError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${describeValue(value)}`,
    )
  }
}

/** Whether a value is a non-empty string or a non-empty array of non-empty strings. */
export function isAudience(value: unknown): boolean {
  const list = typeof value === 'string' ? [value] : value
  return (
    Array.isArray(list) && list.length > 0 && list.every((a) => typeof a === 'string' && a !== '')
  )
}
