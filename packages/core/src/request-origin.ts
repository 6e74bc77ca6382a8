/**
 * The URI a request was sent to, rebuilt from the raw parts an adapter hands over (the scheme the
 * framework saw, the Host header, the request target) for checking a DPoP proof's `htu`. Every
 * part comes from the client, so each is parsed strictly (RFC 9110 §7.2, RFC 9112 §3.2, RFC 3986
 * §3.2) and anything else is a 400 `invalid_request`: the client's bytes can pick a host and port,
 * never move the path.
 */
import { InvalidRequestError } from './errors.js'
import { normalizeHtu } from './htu.js'
import { headerValues, type RequestLike } from './request.js'

/** RFC 3986 reg-name (unreserved, pct-encoded, sub-delims); IPv4 addresses match it too. */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/
/** An IPv6 literal in brackets (IPvFuture and zone identifiers are not accepted). */
const IP_LITERAL = /^\[[0-9A-Fa-f:.]+\]$/
const PORT = /^[0-9]*$/
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s

function refuse(description: string): InvalidRequestError {
  return new InvalidRequestError(description, { reason: 'bad_origin' })
}

/**
 * The origin (`http://host:port`, normalised) of an `http`/`https` scheme and an authority of the
 * form `uri-host [ ":" port ]` (RFC 9110 §7.2): a reg-name, an IPv4 address or an IPv6 literal in
 * brackets, and a port of digits only, at most 65535. Returns undefined for anything else:
 * userinfo, a path, query or fragment, whitespace, an empty host.
 */
export function originOf(scheme: string, authority: string): string | undefined {
  if (scheme !== 'http' && scheme !== 'https') return undefined
  let host = authority
  let port = ''
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']')
    if (end === -1) return undefined
    host = authority.slice(0, end + 1)
    const rest = authority.slice(end + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined
      port = rest.slice(1)
    }
    if (!IP_LITERAL.test(host)) return undefined
  } else {
    const colon = authority.lastIndexOf(':')
    if (colon !== -1) {
      host = authority.slice(0, colon)
      port = authority.slice(colon + 1)
    }
    if (!REG_NAME.test(host)) return undefined
  }
  if (!PORT.test(port) || (port !== '' && Number(port) > 65535)) return undefined
  // The WHATWG parser then checks what the grammar leaves open (IPv6 syntax, an IPv4-looking
  // reg-name out of range, percent-decoded forbidden characters) and normalises the rest.
  let url: URL
  try {
    url = new URL(`${scheme}://${host}${port === '' ? '' : `:${Number(port)}`}/`)
  } catch {
    return undefined
  }
  return url.hostname === '' ? undefined : url.origin
}

/** The request's scheme as the framework reported it (`https`, `HTTPS`, `https:`), lower-cased. */
function schemeOf(protocol: string | undefined): string | undefined {
  if (protocol === undefined) return undefined
  const scheme = protocol.toLowerCase()
  return scheme.endsWith(':') ? scheme.slice(0, -1) : scheme
}

/** The origin from the framework's scheme and the Host (or HTTP/2 `:authority`) value. */
function originFromHost(request: RequestLike): string {
  // RFC 9112 §3.2: a request with more than one Host field line is answered with 400.
  if (headerValues(request, 'host').length > 1) {
    throw refuse('The request has more than one Host header')
  }
  const host =
    request.host ?? headerValues(request, 'host')[0] ?? headerValues(request, ':authority')[0]
  if (host === undefined || host === '') {
    throw refuse('The request has no Host header, so the URL a DPoP proof must name is unknown')
  }
  const scheme = schemeOf(request.protocol)
  if (scheme === undefined) {
    throw refuse('The scheme of the request is unknown, so its DPoP proof cannot be checked')
  }
  const origin = originOf(scheme, host)
  if (origin === undefined) {
    throw refuse(
      scheme === 'http' || scheme === 'https'
        ? 'The Host header is not a valid host and port'
        : 'The request was received over a scheme other than http or https',
    )
  }
  return origin
}

/** The deprecated `request.origin`, checked like a Host header. */
function originFromOption(value: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)\/?$/.exec(value)
  const origin = match && originOf((match[1] as string).toLowerCase(), match[2] as string)
  if (!origin) throw refuse('The origin of the request is not a valid origin')
  return origin
}

/**
 * The target URI of a request, normalised for comparison with a DPoP proof's `htu` (RFC 9449
 * §4.3): the path of the request target, which must be origin-form (`/files?x`) or absolute-form
 * (`https://api.example.com/files`), on the first of `publicOrigin`, the absolute-form target's own
 * origin, the deprecated `request.origin`, and the framework's scheme with the Host header.
 * Computed only when a proof is checked.
 *
 * @throws InvalidRequestError (400) for an asterisk-form or authority-form target, an
 *   absolute-form target that is not `http(s)://host[:port]…`, or (when the Host is needed) a
 *   missing, repeated or malformed Host, or an unknown scheme.
 */
export function requestHtu(request: RequestLike, publicOrigin: string | undefined): string {
  const target = request.url
  let path: string
  let targetOrigin: string | undefined
  if (target.startsWith('/')) {
    path = target
  } else {
    const match = ABSOLUTE_FORM.exec(target)
    if (match === null) {
      throw refuse('The request target is not a resource path, so it cannot carry a DPoP proof')
    }
    targetOrigin = originOf((match[1] as string).toLowerCase(), match[2] as string)
    if (targetOrigin === undefined) {
      throw refuse('The absolute request target does not have a valid http(s) host and port')
    }
    const rest = match[3] as string
    path = rest.startsWith('/') ? rest : '/'
  }
  const end = path.search(/[?#]/)
  if (end !== -1) path = path.slice(0, end)
  const origin =
    publicOrigin ??
    targetOrigin ??
    (request.origin === undefined ? originFromHost(request) : originFromOption(request.origin))
  // The origin ends before the path, which starts with `/`: `//x` stays a path on this origin.
  const htu = normalizeHtu(`${origin}${path}`)
  if (htu === undefined) throw refuse('The request target is not a valid URL path')
  return htu
}
