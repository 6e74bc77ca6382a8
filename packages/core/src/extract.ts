import {
  ConfigurationError,
  InvalidRequestError,
  InvalidTokenError,
  MissingTokenError,
} from './errors.js'
import { checkNumberOption } from './internal/option-checks.js'
import { headerValue, headerValues, type RequestLike } from './request.js'

/** Where a token may be read from, besides the `Authorization: Bearer` header (RFC 6750 §2). */
export interface ExtractionOptions {
  /**
   * Accept `access_token` in an `application/x-www-form-urlencoded` body of a non-GET/HEAD request
   * (RFC 6750 §2.2). The framework's URL-encoded body parser must have run.
   * @default false
   */
  body?: boolean
  /**
   * Accept a token in the query string (RFC 6750 §2.3): `true` for `access_token`, or the
   * parameter name to use (e.g. `'ssoToken'`). Meant for single routes such as image links with a
   * low-privilege token; successful responses should then carry `Cache-Control: private`.
   * @default false
   */
  query?: boolean | string
  /**
   * Accept a raw token with no scheme (`Authorization: <token>`) from legacy clients.
   * @default false
   */
  legacyHeader?: boolean
  /**
   * Longest token accepted, in characters, checked before any parsing.
   * @default 8192
   */
  maxTokenLength?: number
}

/** Where the token was found. */
export type TokenSource = 'header' | 'body' | 'query' | 'legacy-header'

/** A token taken from a request, not yet verified. */
export interface ExtractedToken {
  token: string
  source: TokenSource
  /** `DPoP` for `Authorization: DPoP` (RFC 9449 §7.1); absent for Bearer tokens. */
  scheme?: 'DPoP'
}

/** Extraction options with defaults applied, as the resource server keeps them. */
export interface ResolvedExtraction {
  body: boolean
  queryParam: string | undefined
  legacyHeader: boolean
  maxTokenLength: number
  /**
   * The resource server's DPoP policy: `Authorization: DPoP` is read unless `disabled`, and with
   * `required` nothing else is accepted. @default 'disabled'
   */
  dpop?: 'disabled' | 'allowed' | 'required' | undefined
}

/**
 * Validates the resource server's `extraction` option (its shape is checked before).
 * @throws ConfigurationError
 */
export function validateExtractionOptions(extraction: ExtractionOptions | undefined): void {
  if (extraction === undefined) return
  checkNumberOption('extraction.maxTokenLength', extraction.maxTokenLength, false)
  const q = extraction.query
  if (
    q !== undefined &&
    typeof q !== 'boolean' &&
    (typeof q !== 'string' || !/^[\w.~-]+$/.test(q))
  ) {
    throw new ConfigurationError('extraction.query must be a boolean or a query parameter name')
  }
}

/** Where tokens may be sent, as RFC 9728's `bearer_methods_supported` names them. */
export function bearerMethods(extraction: ResolvedExtraction): string[] {
  return [
    'header',
    ...(extraction.body ? ['body'] : []),
    ...(extraction.queryParam !== undefined ? ['query'] : []),
  ]
}

/**
 * The extraction of each route: the server's, or a route's options over it (resolved once per
 * options object, as adapters pass the same object on every request).
 */
export function createRouteExtraction(
  base: ResolvedExtraction,
): (route: ExtractionOptions | undefined) => ResolvedExtraction {
  const perRoute = new WeakMap<ExtractionOptions, ResolvedExtraction>()
  return (route) => {
    if (route === undefined) return base
    let resolved = perRoute.get(route)
    if (resolved === undefined) {
      resolved = resolveExtraction(route, base)
      perRoute.set(route, resolved)
    }
    return resolved
  }
}

/** Applies defaults to {@link ExtractionOptions}. */
export function resolveExtraction(
  options: ExtractionOptions = {},
  base?: ResolvedExtraction,
): ResolvedExtraction {
  const query = options.query
  return {
    body: options.body ?? base?.body ?? false,
    queryParam:
      query === undefined
        ? base?.queryParam
        : query === true
          ? 'access_token'
          : query === false
            ? undefined
            : query,
    legacyHeader: options.legacyHeader ?? base?.legacyHeader ?? false,
    maxTokenLength: options.maxTokenLength ?? base?.maxTokenLength ?? 8192,
    dpop: base?.dpop,
  }
}

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/
const FORM = 'application/x-www-form-urlencoded'

function tooLong(): InvalidTokenError {
  return new InvalidTokenError('The access token is too long', { reason: 'token_too_long' })
}

function fromHeader(
  request: RequestLike,
  options: ResolvedExtraction,
): ExtractedToken | MissingTokenError | undefined {
  const values = headerValues(request, 'authorization')
  if (values.length === 0) return undefined
  if (values.length > 1) {
    throw new InvalidRequestError('The request has more than one Authorization header', {
      reason: 'multiple_methods',
    })
  }
  const value = (values[0] as string).trim()
  const space = value.search(/[ \t]/)
  // The length limit applies to Bearer and DPoP tokens (and legacy raw tokens); another scheme's
  // credentials, however long, are simply not a token for us.
  const name = value.slice(0, space === -1 ? value.length : space).toLowerCase()
  const dpop = options.dpop === 'allowed' || options.dpop === 'required'
  const scheme = name === 'bearer' ? 'Bearer' : name === 'dpop' && dpop ? 'DPoP' : undefined
  if (
    value.length > options.maxTokenLength + 16 &&
    (scheme !== undefined || (space === -1 && options.legacyHeader))
  ) {
    throw tooLong()
  }
  const unsupported = (): MissingTokenError =>
    new MissingTokenError(
      `The Authorization header does not use the ${dpop ? 'Bearer or DPoP' : 'Bearer'} scheme`,
      { reason: 'unsupported_scheme' },
    )
  if (space === -1) {
    if (scheme !== undefined) {
      throw new InvalidRequestError(`The Authorization header has no token after ${scheme}`, {
        reason: 'malformed_header',
      })
    }
    if (options.legacyHeader && B64TOKEN.test(value))
      return { token: value, source: 'legacy-header' }
    return unsupported()
  }
  if (scheme === undefined) return unsupported()
  let start = space
  while (value[start] === ' ') start++
  const token = value.slice(start)
  if (value[space] !== ' ' || !B64TOKEN.test(token)) {
    throw new InvalidRequestError('The Authorization header is malformed', {
      reason: 'malformed_header',
    })
  }
  return scheme === 'DPoP' ? { token, source: 'header', scheme } : { token, source: 'header' }
}

function fromQuery(request: RequestLike, name: string): ExtractedToken | undefined {
  const url = request.url
  const q = url.indexOf('?')
  if (q === -1) return undefined
  const hash = url.indexOf('#', q)
  const params = new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash))
  const values = params.getAll(name)
  if (values.length === 0) return undefined
  if (values.length > 1) {
    throw new InvalidRequestError(`The ${name} query parameter is repeated`, {
      reason: 'multiple_methods',
    })
  }
  return { token: values[0] as string, source: 'query' }
}

function withoutBodySemantics(request: RequestLike): boolean {
  const method = request.method.toUpperCase()
  return method === 'GET' || method === 'HEAD'
}

/**
 * The `access_token` of a parsed URL-encoded form body: on methods whose body has semantics
 * (RFC 6750 §2.2), or on any method with `anyMethod` (to detect a second method).
 */
function fromBody(request: RequestLike, anyMethod = false): ExtractedToken | undefined {
  if (!anyMethod && withoutBodySemantics(request)) return undefined
  const body = request.body
  if (typeof body !== 'object' || body === null) return undefined
  const type = headerValue(request, 'content-type')
  if (type === undefined) return undefined
  const semi = type.indexOf(';')
  if ((semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase() !== FORM) return undefined
  const value = (body as Record<string, unknown>)['access_token']
  if (value === undefined) return undefined
  if (typeof value !== 'string') {
    throw new InvalidRequestError('The access_token body parameter is repeated or malformed', {
      reason: 'multiple_methods',
    })
  }
  return { token: value, source: 'body' }
}

/** Whether `access_token` appears in the query or form body where this route does not read it. */
function sentElsewhere(request: RequestLike, options: ResolvedExtraction): boolean {
  if (options.queryParam !== 'access_token' && request.url.includes('access_token')) {
    try {
      if (fromQuery(request, 'access_token') !== undefined) return true
    } catch {
      return true
    }
  }
  // RFC 6750 §2.2 reserves the form field `access_token`: found in a parsed form body, it is a
  // token sent another way even where this route does not read body tokens (extraction off, or a
  // GET, whose body must not carry one). Every adapter hands the parsed body over, so a request
  // with a header (or query) token and a form token is 400 in all of them, whatever the route's
  // options and the app's body parsers; without a parsed form body there is nothing to see.
  if (request.body !== undefined && (!options.body || withoutBodySemantics(request))) {
    try {
      if (fromBody(request, true) !== undefined) return true
    } catch {
      return true
    }
  }
  return false
}

/** 401 `invalid_token` for a token presented without the DPoP scheme where DPoP is required. */
export function bearerRefused(): InvalidTokenError {
  return new InvalidTokenError(
    'This API accepts only DPoP-bound access tokens: send the token with the DPoP scheme and a DPoP proof',
    { reason: 'bearer_downgrade' },
  )
}

/**
 * Finds the access token in a request following RFC 6750 §2: the `Authorization: Bearer` header
 * (or `Authorization: DPoP`, RFC 9449 §7.1, unless `options.dpop` is `disabled`), and the form body
 * or query parameter when enabled. The DPoP proof itself is checked by the resource server.
 *
 * @throws MissingTokenError (401, no error code) when the request carries no token (a header with
 *   another scheme counts as none); InvalidRequestError (400) for a malformed header, a repeated
 *   header or parameter, or a token sent in more than one way; InvalidTokenError (401) for a token
 *   over the length limit, or a Bearer token where `options.dpop` is `required`.
 */
export function extractToken(request: RequestLike, options: ResolvedExtraction): ExtractedToken {
  const header = fromHeader(request, options)
  const found: ExtractedToken[] = []
  if (header !== undefined && !(header instanceof MissingTokenError)) found.push(header)
  if (options.queryParam !== undefined) {
    const query = fromQuery(request, options.queryParam)
    if (query) found.push(query)
  }
  if (options.body) {
    const body = fromBody(request)
    if (body) found.push(body)
  }
  // RFC 6750 §2: a client must use one method. A standard `access_token` parameter in a place
  // this route does not read is not a token source, but sent together with another token it is
  // still a second method.
  if (found.length === 1 && sentElsewhere(request, options)) found.push(found[0] as ExtractedToken)
  if (found.length > 1) {
    throw new InvalidRequestError('The access token was sent in more than one way', {
      reason: 'multiple_methods',
    })
  }
  const result = found[0]
  if (result === undefined) {
    throw header instanceof MissingTokenError ? header : new MissingTokenError()
  }
  if (result.token.length > options.maxTokenLength) throw tooLong()
  if (result.source !== 'header' && !B64TOKEN.test(result.token)) {
    throw new InvalidRequestError('The access token parameter is malformed', {
      reason: 'malformed_header',
    })
  }
  if (options.dpop === 'required' && result.scheme !== 'DPoP') throw bearerRefused()
  return result
}
