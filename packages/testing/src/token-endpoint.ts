import { authenticateClient, type TestClient } from './client-auth.js'
import { FORM, header, mediaTypes, parseForm } from './introspection.js'
import { jsonReply, type ReceivedRequest, type Reply, type Route } from './server.js'

/** `grant_type` of an RFC 8693 token exchange. */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
/** RFC 8693 §3 token type of an access token (what the endpoint issues). */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt'
/** Token types accepted for `subject_token_type`, `actor_token_type` and `requested_token_type`. */
const ACCEPTED_TYPES = new Set([ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE])
/** Claims of the subject token that describe the user's authentication and carry over. */
const AUTHENTICATION_CLAIMS = ['acr', 'amr', 'auth_time']

/** What the token endpoint needs from its issuer. */
export interface TokenEndpointContext {
  readonly issuer: string
  readonly endpoint: string
  readonly tokenLifetime: number
  readonly client: (clientId: string) => TestClient | undefined
  /** The introspection answer for a token (active JWTs of this issuer and opaque tokens). */
  readonly answer: (token: string) => Promise<Record<string, unknown>>
  /** Signs an access token with these claims over the issuer's defaults. */
  readonly sign: (claims: Record<string, unknown>) => Promise<string>
}

const error = (code: string, status = 400): Reply => ({
  ...jsonReply({ error: code }, status),
  headers: { 'cache-control': 'no-store' },
})

/** The claims of an active token, without the introspection-only members. */
async function activeClaims(
  context: TokenEndpointContext,
  token: string,
): Promise<Record<string, unknown> | undefined> {
  const { active, token_type: _type, ...claims } = await context.answer(token)
  return active === true ? claims : undefined
}

/** `audience` (RFC 8693) or `resource` (RFC 8707) of the request, if any. */
function audienceOf(form: Readonly<Record<string, string>>): Record<string, unknown> {
  const audience = form.audience ?? form.resource
  return audience === undefined ? {} : { aud: audience }
}

/**
 * The token endpoint of a test issuer: POST, form-encoded, the caller authenticated as a
 * registered client (like introspection). Grants `client_credentials` (a token for the client
 * itself: `sub` and `client_id` are its id) and RFC 8693 token exchange (a delegation token: the
 * subject token's `sub`, and `act` naming the actor token's subject, or the client, with the
 * subject token's own `act` nested inside). The requested `scope` is granted as asked; `audience`
 * or `resource` becomes `aud`. Tokens are JWTs signed like `sign()`.
 */
export class TokenEndpoint {
  readonly #context: TokenEndpointContext

  constructor(context: TokenEndpointContext) {
    this.#context = context
  }

  /** The server route for the endpoint path. */
  route(): Route {
    return { endpoint: 'token', methods: ['POST'], respond: (request) => this.#respond(request) }
  }

  async #respond(request: ReceivedRequest): Promise<Reply> {
    if (!mediaTypes(header(request.headers['content-type'])).includes(FORM)) {
      return error('invalid_request')
    }
    const { form, repeated } = parseForm(request)
    if (repeated) return error('invalid_request')
    const auth = await authenticateClient(header(request.headers.authorization), form, {
      issuer: this.#context.issuer,
      endpoint: this.#context.endpoint,
      client: this.#context.client,
    })
    if (!auth.ok) {
      const reply = error('invalid_client', 401)
      return auth.basic
        ? {
            ...reply,
            headers: { ...reply.headers, 'www-authenticate': 'Basic realm="test-issuer"' },
          }
        : reply
    }
    const scope = form.scope === undefined ? {} : { scope: form.scope }
    if (form.grant_type === 'client_credentials') {
      return this.#issue(
        { sub: auth.clientId, client_id: auth.clientId, ...scope, ...audienceOf(form) },
        form.scope,
      )
    }
    if (form.grant_type === TOKEN_EXCHANGE) return this.#exchange(form, auth.clientId)
    return error(form.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type')
  }

  async #exchange(form: Readonly<Record<string, string>>, clientId: string): Promise<Reply> {
    const { subject_token: subjectToken, actor_token: actorToken } = form
    if (
      subjectToken === undefined ||
      !ACCEPTED_TYPES.has(form.subject_token_type ?? '') ||
      (actorToken !== undefined && !ACCEPTED_TYPES.has(form.actor_token_type ?? '')) ||
      (actorToken === undefined && form.actor_token_type !== undefined) ||
      (form.requested_token_type !== undefined && !ACCEPTED_TYPES.has(form.requested_token_type))
    ) {
      return error('invalid_request')
    }
    const subject = await activeClaims(this.#context, subjectToken)
    if (subject === undefined || typeof subject.sub !== 'string') return error('invalid_grant')
    let actor: Record<string, unknown> = { sub: clientId }
    if (actorToken !== undefined) {
      const claims = await activeClaims(this.#context, actorToken)
      if (claims === undefined || typeof claims.sub !== 'string') return error('invalid_grant')
      actor = { sub: claims.sub }
    }
    // may_act (RFC 8693 §4.4) names who may act for the subject: anyone else is refused.
    const mayAct = subject.may_act as { sub?: unknown } | undefined
    if (mayAct !== undefined && mayAct.sub !== actor.sub) return error('invalid_grant')
    const carried = Object.fromEntries(
      AUTHENTICATION_CLAIMS.filter((name) => subject[name] !== undefined).map((name) => [
        name,
        subject[name],
      ]),
    )
    const scope = form.scope ?? (typeof subject.scope === 'string' ? subject.scope : undefined)
    return this.#issue(
      {
        sub: subject.sub,
        client_id: clientId,
        ...(scope === undefined ? {} : { scope }),
        ...audienceOf(form),
        ...carried,
        act: subject.act === undefined ? actor : { ...actor, act: subject.act },
      },
      scope,
      true,
    )
  }

  async #issue(
    claims: Record<string, unknown>,
    scope: string | undefined,
    exchange = false,
  ): Promise<Reply> {
    const token = await this.#context.sign(claims)
    return {
      ...jsonReply({
        access_token: token,
        token_type: 'Bearer',
        expires_in: this.#context.tokenLifetime,
        ...(exchange ? { issued_token_type: ACCESS_TOKEN_TYPE } : {}),
        ...(scope === undefined ? {} : { scope }),
      }),
      headers: { 'cache-control': 'no-store' },
    }
  }
}
