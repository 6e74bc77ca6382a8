import { types } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseChallenges } from './challenge.js'
import { errorResponse } from './error-response.js'
import {
  ConfigurationError,
  DEFAULT_REALM,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  isOAuthError,
  MissingTokenError,
  OAuthError,
  TemporarilyUnavailableError,
  UseDpopNonceError,
} from './errors.js'

function challengeOf(error: OAuthError): { scheme: string; params: Record<string, string> } {
  const value = error.headers['WWW-Authenticate']
  expect(value).toBeTypeOf('string')
  const challenges = parseChallenges(value as string)
  expect(challenges).toHaveLength(1)
  const [challenge] = challenges
  return { scheme: challenge?.scheme ?? '', params: { ...challenge?.params } }
}

describe('each error class', () => {
  it.each([
    [new MissingTokenError(), 'MissingTokenError', 'missing_token', 401, 'no_token'],
    [
      new InvalidRequestError('Malformed'),
      'InvalidRequestError',
      'invalid_request',
      400,
      undefined,
    ],
    [new InvalidTokenError(), 'InvalidTokenError', 'invalid_token', 401, undefined],
    [
      new InsufficientScopeError(['a']),
      'InsufficientScopeError',
      'insufficient_scope',
      403,
      'missing_scope',
    ],
    [
      new TemporarilyUnavailableError(),
      'TemporarilyUnavailableError',
      'temporarily_unavailable',
      503,
      'key_source_unavailable',
    ],
  ] as const)('%s: name %s, code %s, status %i, reason %s', (error, name, code, status, reason) => {
    expect(error).toBeInstanceOf(OAuthError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe(name)
    expect(error.code).toBe(code)
    expect(error.status).toBe(status)
    expect(error.statusCode).toBe(status)
    expect(error.reason).toBe(reason)
    expect(error.expose).toBe(true)
    expect(error.message).toBe(error.description)
    expect(error.description.length).toBeGreaterThan(0)
    expect(error.headers['Cache-Control']).toBe('no-store')
    expect(error.toJSON()).toEqual({ error: code, error_description: error.description })
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      error: code,
      error_description: error.description,
    })
    expect(isOAuthError(error)).toBe(true)
  })

  it('MissingTokenError: a Bearer challenge with a realm and no error or description (RFC 6750 §3.1)', () => {
    const error = new MissingTokenError()
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="${DEFAULT_REALM}"`)
    expect(challengeOf(error)).toEqual({ scheme: 'Bearer', params: { realm: 'api' } })
    expect(error.challenge()).toBe('Bearer realm="api"')
  })

  it('MissingTokenError keeps a custom description out of the challenge but in the body', () => {
    const error = new MissingTokenError('Use the Bearer scheme', { reason: 'unsupported_scheme' })
    expect(error.reason).toBe('unsupported_scheme')
    expect(challengeOf(error).params).toEqual({ realm: 'api' })
    expect(error.toJSON().error_description).toBe('Use the Bearer scheme')
  })

  it('InvalidRequestError: 400 with error="invalid_request" and the description', () => {
    const error = new InvalidRequestError('The access token was sent in more than one way', {
      reason: 'multiple_methods',
    })
    expect(challengeOf(error)).toEqual({
      scheme: 'Bearer',
      params: {
        realm: 'api',
        error: 'invalid_request',
        error_description: 'The access token was sent in more than one way',
      },
    })
  })

  it('InvalidTokenError: 401 with error="invalid_token" and a default description', () => {
    const error = new InvalidTokenError()
    expect(error.description).toBe('The access token is invalid')
    expect(challengeOf(error).params).toEqual({
      realm: 'api',
      error: 'invalid_token',
      error_description: 'The access token is invalid',
    })
  })

  it('InsufficientScopeError: the challenge lists the required scopes', () => {
    const error = new InsufficientScopeError(['files:read', 'files:write'])
    expect(error.requiredScopes).toEqual(['files:read', 'files:write'])
    expect(challengeOf(error).params).toMatchObject({
      error: 'insufficient_scope',
      scope: 'files:read files:write',
    })
  })

  it('InsufficientScopeError without scopes: no scope parameter, reason claim_requirement', () => {
    const error = new InsufficientScopeError([], 'The tenant claim does not allow this request')
    expect(error.reason).toBe('claim_requirement')
    expect(challengeOf(error).params).not.toHaveProperty('scope')
    expect(error.description).toBe('The tenant claim does not allow this request')
  })

  it('TemporarilyUnavailableError: 503 with no WWW-Authenticate (not a client problem)', () => {
    const error = new TemporarilyUnavailableError()
    expect(error.headers).toEqual({ 'Cache-Control': 'no-store' })
    expect(error.challenge()).toBeUndefined()
    expect(error.withChallenge({ realm: 'x' }).headers).not.toHaveProperty('WWW-Authenticate')
  })
})

describe('withChallenge', () => {
  it('returns a new error with the server realm and extension parameters, leaving the original unchanged', () => {
    const error = new InvalidTokenError('The access token expired', { reason: 'expired' })
    const before = error.headers
    const challenged = error.withChallenge({
      realm: 'files',
      resource_metadata: 'https://api.example.test/.well-known/oauth-protected-resource',
    })
    expect(challenged).not.toBe(error)
    expect(challenged).toBeInstanceOf(InvalidTokenError)
    expect(isOAuthError(challenged)).toBe(true)
    expect(challenged).toMatchObject({ code: 'invalid_token', reason: 'expired', status: 401 })
    expect(challenged.headers['WWW-Authenticate']).toBe(
      'Bearer realm="files", error="invalid_token", error_description="The access token expired", resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"',
    )
    expect(challenged.headers['Cache-Control']).toBe('no-store')
    expect(error.headers).toBe(before)
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
    )
  })

  it('renders headers once: they and the challenge parameters are frozen', () => {
    const error = new InsufficientScopeError(['a']).withChallenge({ realm: 'r' })
    expect(Object.isFrozen(error.headers)).toBe(true)
    expect(Object.isFrozen(error.challengeParams)).toBe(true)
    expect(() => {
      ;(error.headers as Record<string, string>)['WWW-Authenticate'] = 'Bearer'
    }).toThrow(TypeError)
  })

  it('makes a real error of the same class, with the same cause', () => {
    const cause = new Error('upstream said no')
    const error = new TemporarilyUnavailableError(undefined, { cause }).withChallenge({
      realm: 'r',
    })
    expect(types.isNativeError(error)).toBe(true)
    expect(error).toBeInstanceOf(TemporarilyUnavailableError)
    expect(error.name).toBe('TemporarilyUnavailableError')
    expect(error.cause).toBe(cause)
    expect(error.reason).toBe('key_source_unavailable')
  })

  it('at construction, parameters the error sets itself follow options.challenge and win', () => {
    const error = new InsufficientScopeError(['a'], undefined, {
      challenge: { realm: 'r', resource_metadata: 'https://m.example', scope: 'other' },
    })
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="r", error="insufficient_scope", error_description="The access token does not grant the scope this request requires", resource_metadata="https://m.example", scope="a"',
    )
    expect(error.headers['WWW-Authenticate']).toBe(
      new InsufficientScopeError(['a']).withChallenge({
        realm: 'r',
        resource_metadata: 'https://m.example',
      }).headers['WWW-Authenticate'],
    )
  })

  it('keeps the subclass fields and extra headers (DPoP-Nonce) of the error it copies', () => {
    const error = new UseDpopNonceError('n-1').withChallenge({ realm: 'r' })
    expect(error).toBeInstanceOf(UseDpopNonceError)
    expect(error.nonce).toBe('n-1')
    expect(error.headers['DPoP-Nonce']).toBe('n-1')
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="r", error="use_dpop_nonce"/)
    const scope = new InsufficientScopeError(['a', 'b']).withChallenge({ realm: 'r' })
    expect(scope.requiredScopes).toEqual(['a', 'b'])
  })

  it('keeps parameters set by the error itself over later ones', () => {
    const error = new InsufficientScopeError(['a']).withChallenge({ scope: 'other', realm: 'r' })
    expect(challengeOf(error).params).toMatchObject({ realm: 'r', scope: 'a' })
    const first = new InvalidTokenError()
      .withChallenge({ realm: 'first' })
      .withChallenge({ realm: 'second' })
    expect(challengeOf(first).params['realm']).toBe('first')
  })

  it('takes the realm from the options at construction', () => {
    const error = new MissingTokenError(undefined, { challenge: { realm: 'constructed' } })
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="constructed"')
  })
})

describe('descriptions in the challenge', () => {
  it('sanitises a description with ", \\, a newline and é and keeps the header parseable', () => {
    const error = new InvalidTokenError('bad "kid"\\\nin é header')
    const header = error.headers['WWW-Authenticate'] as string
    expect(header).not.toMatch(/[\r\n]/)
    expect(challengeOf(error).params['error_description']).toBe("bad 'kid'/in  header")
    // the JSON body is not a header and keeps the text
    expect(error.toJSON().error_description).toBe('bad "kid"\\\nin é header')
  })
})

describe('secrets', () => {
  const token =
    'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c2VyLTEyMyJ9.c2lnbmF0dXJlLWJ5dGVz'

  it.each([
    [
      'MissingTokenError',
      () => new MissingTokenError(undefined, { cause: new Error(`no ${token}`) }),
    ],
    ['InvalidRequestError', () => new InvalidRequestError('Malformed', { cause: token })],
    [
      'InvalidTokenError',
      () =>
        new InvalidTokenError('The access token expired', {
          cause: new Error(`jwt ${token} expired`),
        }),
    ],
    [
      'InsufficientScopeError',
      () => new InsufficientScopeError(['a'], undefined, { cause: { token } }),
    ],
    [
      'TemporarilyUnavailableError',
      () =>
        new TemporarilyUnavailableError(undefined, { cause: new Error(`while checking ${token}`) }),
    ],
  ])('%s never renders a token passed as cause', (_name, make) => {
    const error = make()
    expect(error.cause).toBeDefined()
    expect(error.message).not.toContain(token)
    expect(error.description).not.toContain(token)
    expect(JSON.stringify(error)).not.toContain(token)
    expect(JSON.stringify(error.headers)).not.toContain(token)
    expect(JSON.stringify(errorResponse(error))).not.toContain(token)
  })
})

describe('isOAuthError', () => {
  it('recognises the brand on an object from another copy of the package', () => {
    // A duplicate copy of @scopeguard/core has its own classes but the same Symbol.for brand.
    class ForeignError extends Error {
      status = 401
      code = 'invalid_token'
    }
    const foreign = new ForeignError('x')
    Object.defineProperty(foreign, Symbol.for('scopeguard.error'), { value: true })
    expect(foreign).not.toBeInstanceOf(OAuthError)
    expect(isOAuthError(foreign)).toBe(true)
    expect(isOAuthError({ [Symbol.for('scopeguard.error')]: true })).toBe(true)
  })

  it('rejects look-alikes without the brand, and non-objects', () => {
    const lookAlike = Object.assign(new Error('x'), {
      status: 401,
      code: 'invalid_token',
      expose: true,
    })
    expect(isOAuthError(lookAlike)).toBe(false)
    expect(isOAuthError({ ...new InvalidTokenError() })).toBe(false) // the brand is not enumerable
    expect(isOAuthError({ [Symbol('scopeguard.error')]: true })).toBe(false)
    for (const value of [null, undefined, 'invalid_token', 401, new TypeError('x')]) {
      expect(isOAuthError(value)).toBe(false)
    }
    expect(isOAuthError(new ConfigurationError('x'))).toBe(false)
  })
})

describe('errorResponse', () => {
  it('renders status, a copy of the headers and the JSON body', () => {
    const error = new InsufficientScopeError(['a'])
    const response = errorResponse(error)
    expect(response).toEqual({
      status: 403,
      headers: error.headers,
      body: { error: 'insufficient_scope', error_description: error.description },
    })
    if (response) response.headers['X'] = 'y'
    expect(error.headers).not.toHaveProperty('X')
  })

  it('returns undefined for other errors', () => {
    expect(errorResponse(new Error('boom'))).toBeUndefined()
    expect(errorResponse(new ConfigurationError('x'))).toBeUndefined()
  })
})

describe('ConfigurationError', () => {
  it('is a TypeError with a stable code and a prefixed message', () => {
    const cause = new Error('inner')
    const error = new ConfigurationError('issuer must be a URL string', { cause })
    expect(error).toBeInstanceOf(TypeError)
    expect(error.name).toBe('ConfigurationError')
    expect(error.code).toBe('ERR_SCOPEGUARD_CONFIG')
    expect(error.message).toBe('scopeguard: issuer must be a URL string')
    expect(error.cause).toBe(cause)
  })
})
