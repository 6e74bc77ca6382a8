import { parseChallenge } from './challenge.js'
import type { DemoResponse } from './exchange.js'

export interface Expectation {
  readonly status: number
  /**
   * The RFC 6750 error code expected in `WWW-Authenticate` (and the JSON body's `error`, when the
   * body is JSON); `null` means a challenge must be present but carry no error code.
   */
  readonly error?: string | null
  /** The challenge that must carry the error: `Bearer` (default) or `DPoP` (RFC 9449 §7.1). */
  readonly scheme?: 'Bearer' | 'DPoP'
  /** The `scope` auth-param expected in the challenge (e.g. the scope that was missing). */
  readonly challengeScope?: string
  /** Extra checks on the JSON body; each returns a problem description or undefined. */
  readonly body?: ReadonlyArray<(body: unknown) => string | undefined>
}

const errorOf = (body: unknown): unknown =>
  body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['error'] : undefined

/** Compares a response with what the tour expects; returns the problems found (none = pass). */
export function problemsWith(response: DemoResponse, expected: Expectation): string[] {
  const problems: string[] = []
  if (response.status !== expected.status) {
    problems.push(`expected status ${expected.status}, got ${response.status}`)
  }
  if (expected.error !== undefined) {
    const wanted = expected.scheme ?? 'Bearer'
    const { scheme, params } = parseChallenge(
      response.wwwAuthenticate,
      expected.scheme === undefined ? undefined : wanted,
    )
    if (scheme?.toLowerCase() !== wanted.toLowerCase()) {
      problems.push(
        `expected a WWW-Authenticate: ${wanted} challenge, got ${response.wwwAuthenticate}`,
      )
    } else if (expected.error === null && params['error'] !== undefined) {
      problems.push(`expected no error code in the challenge, got error="${params['error']}"`)
    } else if (expected.error !== null && params['error'] !== expected.error) {
      problems.push(`expected error="${expected.error}" in the challenge`)
    }
    if (expected.challengeScope !== undefined && params['scope'] !== expected.challengeScope) {
      problems.push(`expected scope="${expected.challengeScope}" in the challenge`)
    }
    const bodyError = errorOf(response.body)
    if (expected.error !== null && response.body !== undefined && bodyError !== expected.error) {
      problems.push(
        `expected JSON body error "${expected.error}", got ${JSON.stringify(bodyError)}`,
      )
    }
  }
  for (const check of expected.body ?? []) {
    const problem = check(response.body)
    if (problem) problems.push(problem)
  }
  return problems
}

/** Short description of an expectation, e.g. `403 insufficient_scope`. */
export function describe(expected: Expectation): string {
  if (expected.error === null) return `${expected.status} (challenge without error code)`
  return expected.error ? `${expected.status} ${expected.error}` : `${expected.status}`
}

/** A body check: the JSON body's `name` member must equal `value`. */
export const field =
  (name: string, value: unknown) =>
  (body: unknown): string | undefined => {
    const actual =
      body !== null && typeof body === 'object'
        ? (body as Record<string, unknown>)[name]
        : undefined
    return actual === value
      ? undefined
      : `expected "${name}": ${JSON.stringify(value)} in the body, got ${JSON.stringify(actual)}`
  }
