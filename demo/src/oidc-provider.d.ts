// Minimal typings for the parts of oidc-provider (which ships no types) that the demo uses.
declare module 'oidc-provider' {
  import type { JsonWebKey } from 'node:crypto'
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export interface ClientMetadata {
    client_id: string
    client_name?: string
    client_secret?: string
    grant_types?: string[]
    response_types?: string[]
    redirect_uris?: string[]
    token_endpoint_auth_method?: string
    scope?: string
  }

  export interface Client {
    readonly clientId: string
    readonly clientName?: string
    readonly clientAuthMethod: string
    readonly scope?: string
    grantTypeAllowed(type: string): boolean
  }

  export interface ResourceServerInfo {
    scope: string
    audience?: string
    accessTokenTTL?: number
    accessTokenFormat?: 'jwt' | 'opaque'
    jwt?: { sign?: { alg?: string; kid?: string } }
  }

  export interface Token {
    readonly kind: string
    readonly clientId?: string
    readonly resourceServer?: ResourceServerInfo
  }

  export interface KoaContextWithOIDC {
    readonly oidc: { readonly client?: Client; readonly route?: string }
  }

  /** What `interactionDetails()` returns: the pending login or consent prompt. */
  export interface InteractionDetails {
    readonly uid: string
    readonly params: { readonly client_id: string; readonly [name: string]: unknown }
    readonly prompt: {
      readonly name: 'login' | 'consent' | string
      readonly details: {
        readonly missingOIDCScope?: string[]
        readonly missingOIDCClaims?: string[]
        readonly missingResourceScopes?: Record<string, string[]>
      }
    }
    readonly session?: { readonly accountId: string }
    readonly grantId?: string
  }

  export type InteractionResults =
    | { login: { accountId: string } }
    | { consent: { grantId: string } }
    | { error: string; error_description?: string }

  export class Grant {
    constructor(properties: { accountId: string; clientId: string })
    static find(id: string): Promise<Grant | undefined>
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export type AdapterPayload = Record<string, unknown> & {
    uid?: string
    userCode?: string
    grantId?: string
    consumed?: number
  }

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>
    find(id: string): Promise<AdapterPayload | undefined>
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
    findByUid(uid: string): Promise<AdapterPayload | undefined>
    consume(id: string): Promise<void>
    destroy(id: string): Promise<void>
    revokeByGrantId(grantId: string): Promise<void>
  }

  type Feature<Extra = object> = { enabled: boolean } & Extra
  type Ctx = KoaContextWithOIDC

  export interface Account {
    accountId: string
    claims(): Promise<Record<string, unknown>> | Record<string, unknown>
  }

  export interface Configuration {
    adapter?: (name: string) => Adapter
    clients?: ClientMetadata[]
    cookies?: { keys?: string[] }
    findAccount?: (ctx: Ctx, id: string) => Promise<Account | undefined>
    interactions?: { url?: (ctx: Ctx, interaction: { uid: string }) => string }
    issueRefreshToken?: (ctx: Ctx, client: Client, code: unknown) => Promise<boolean>
    pkce?: { required?: (ctx: Ctx, client: Client) => boolean }
    extraClientMetadata?: {
      properties?: string[]
      validator?: (
        ctx: Ctx | undefined,
        key: string,
        value: unknown,
        metadata: Record<string, unknown>,
      ) => void
    }
    jwks?: { keys: JsonWebKey[] }
    scopes?: string[]
    clientBasedCORS?: (ctx: Ctx, origin: string, client: Client) => boolean
    extraTokenClaims?: (ctx: Ctx, token: Token) => Promise<Record<string, unknown> | undefined>
    ttl?: Record<string, (ctx: Ctx, token: Token, client: Client) => number>
    features?: {
      clientCredentials?: Feature
      /** RFC 9449: tokens requested with a DPoP proof are bound to its key (`cnf.jkt`). */
      dPoP?: Feature
      devInteractions?: Feature
      registration?: Feature<{ initialAccessToken?: boolean }>
      introspection?: Feature<{
        allowedPolicy?: (ctx: Ctx, client: Client, token: Token) => Promise<boolean>
      }>
      revocation?: Feature<{
        allowedPolicy?: (ctx: Ctx, client: Client, token: Token) => Promise<boolean>
      }>
      resourceIndicators?: Feature<{
        defaultResource?: (ctx: Ctx, client: Client) => Promise<string | string[] | undefined>
        useGrantedResource?: (ctx: Ctx) => Promise<boolean> | boolean
        getResourceServerInfo?: (
          ctx: Ctx,
          resourceIndicator: string,
          client: Client,
        ) => Promise<ResourceServerInfo>
      }>
    }
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    readonly Grant: typeof Grant
    readonly Client: { find(id: string): Promise<Client | undefined> }
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: InteractionResults,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>
    on(event: string, listener: (...args: unknown[]) => void): this
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error
  }
}
