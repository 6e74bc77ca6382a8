import { authenticateClient, type TestClient } from './client-auth.js'
import { encodeJws } from './internal/jws.js'
import type { KeyRing } from './internal/key-ring.js'
import { jsonReply, type ReceivedRequest, type Reply, type Route } from './server.js'
import type { TokenRegistry } from './token-registry.js'

/** One request received by the introspection endpoint, as `introspectionRequests()` returns it. */
export interface IntrospectionRequest {
  /** The `Authorization` header, if any. */
  authorization: string | undefined
  /** The form parameters (empty unless the body was `application/x-www-form-urlencoded`). */
  form: Record<string, string>
  /** The `Accept` header, if any. */
  accept: string | undefined
}

/** What the introspection endpoint needs from its issuer. */
export interface IntrospectionContext {
  readonly issuer: string
  readonly endpoint: string
  readonly keys: KeyRing
  readonly tokens: TokenRegistry
  readonly client: (clientId: string) => TestClient | undefined
}

/** The media type of RFC 9701 JWT introspection responses. */
export const INTROSPECTION_JWT = 'application/token-introspection+jwt'

/** The media type of form-encoded request bodies. */
export const FORM = 'application/x-www-form-urlencoded'

export function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

export function mediaTypes(value: string | undefined): string[] {
  return (value ?? '').split(',').map((part) => (part.split(';')[0] ?? '').trim().toLowerCase())
}

/** Form parameters of a request, and whether one was repeated (RFC 6749 §3.2 forbids it). */
export function parseForm(request: ReceivedRequest): {
  form: Record<string, string>
  repeated: boolean
} {
  const form: Record<string, string> = {}
  let repeated = false
  if (!mediaTypes(header(request.headers['content-type'])).includes(FORM)) {
    return { form, repeated }
  }
  for (const [name, value] of new URLSearchParams(request.body)) {
    if (Object.hasOwn(form, name)) repeated = true
    form[name] = value
  }
  return { form, repeated }
}

const invalidRequest = (): Reply => jsonReply({ error: 'invalid_request' }, 400)

/**
 * The RFC 7662 introspection endpoint of a test issuer: POST only, form-encoded, the caller
 * authenticated as a registered client; answers JSON, or an RFC 9701 JWT signed with the issuer's
 * RS256 key when the `Accept` header asks for `application/token-introspection+jwt`.
 */
export class IntrospectionEndpoint {
  readonly #context: IntrospectionContext
  #requests: IntrospectionRequest[] = []

  constructor(context: IntrospectionContext) {
    this.#context = context
  }

  /** The server route for the endpoint path. */
  route(): Route {
    return {
      endpoint: 'introspection',
      methods: ['POST'],
      observe: (request) => this.#record(request),
      respond: (request) => this.#respond(request),
    }
  }

  /** Copies of the requests received since start or the last `reset()`. */
  requests(): IntrospectionRequest[] {
    return this.#requests.map((request) => ({ ...request, form: { ...request.form } }))
  }

  /** Forgets the recorded requests. */
  reset(): void {
    this.#requests = []
  }

  #record(request: ReceivedRequest): void {
    this.#requests.push({
      authorization: header(request.headers.authorization),
      form: parseForm(request).form,
      accept: header(request.headers.accept),
    })
  }

  async #respond(request: ReceivedRequest): Promise<Reply> {
    const contentType = header(request.headers['content-type'])
    if (!mediaTypes(contentType).includes(FORM)) return invalidRequest()
    const { form, repeated } = parseForm(request)
    if (repeated) return invalidRequest()
    const authorization = header(request.headers.authorization)
    const auth = await authenticateClient(authorization, form, {
      issuer: this.#context.issuer,
      endpoint: this.#context.endpoint,
      client: this.#context.client,
    })
    if (!auth.ok) {
      return {
        ...jsonReply({ error: 'invalid_client' }, 401),
        headers: auth.basic ? { 'www-authenticate': 'Basic realm="test-issuer"' } : {},
      }
    }
    if (!form.token) return invalidRequest()
    const answer = await this.#context.tokens.answer(form.token)
    if (!mediaTypes(header(request.headers.accept)).includes(INTROSPECTION_JWT)) {
      return { ...jsonReply(answer), headers: { 'cache-control': 'no-store' } }
    }
    const key = this.#context.keys.currentSync('RS256')
    const jwt = encodeJws(
      { alg: 'RS256', typ: 'token-introspection+jwt', kid: key.kid },
      JSON.stringify({
        iss: this.#context.issuer,
        aud: auth.clientId,
        iat: Math.floor(Date.now() / 1000),
        token_introspection: answer,
      }),
      'RS256',
      key.privateKey,
      undefined,
    )
    return {
      status: 200,
      body: jwt,
      contentType: INTROSPECTION_JWT,
      headers: { 'cache-control': 'no-store' },
    }
  }
}
