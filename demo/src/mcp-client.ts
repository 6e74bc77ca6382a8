import { randomBytes } from 'node:crypto'
import type {
  OAuthClientProvider,
  OAuthDiscoveryState,
} from '@modelcontextprotocol/sdk/client/auth.js'
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js'
import { ScriptedBrowser, type BrowserStep } from './user-agent.js'

export interface ScriptedClientOptions {
  /**
   * Where the authorization server sends the browser back. Nothing needs to listen there: the
   * scripted browser stops at this URL and hands the code to the client.
   */
  readonly redirectUrl: string
  readonly clientName?: string
  /** The scope the client registers with and falls back to; none by default (read from the 401). */
  readonly scope?: string
  /** What the scripted user answers on the consent page. @default 'allow' */
  readonly decision?: 'allow' | 'deny'
  /** Called with each authorization URL the SDK sends the user to. */
  readonly onAuthorizationUrl?: (url: URL) => void
  /** Called after each request of the scripted browser. */
  readonly onBrowserStep?: (step: BrowserStep) => void
}

/**
 * The MCP SDK's `OAuthClientProvider` for a client whose user is a script: it keeps what the SDK
 * saves in memory, and "redirects" to the authorization server by running the scripted browser
 * (user-agent.ts), which signs the demo user in and consents. The SDK then throws
 * `UnauthorizedError` as after any redirect; the application calls
 * `transport.finishAuth(provider.takeAuthorizationCode())` and tries again, as a real host does
 * when its redirect URI is called back.
 */
export class ScriptedOAuthClient implements OAuthClientProvider {
  private client: OAuthClientInformationMixed | undefined
  private savedTokens: OAuthTokens | undefined
  private verifier: string | undefined
  private expectedState: string | undefined
  private code: string | undefined
  private stepUpPending = false
  private discovery: OAuthDiscoveryState | undefined
  /** The user's browser, kept across authorizations (its session cookie included). */
  private readonly browser = new ScriptedBrowser()

  private readonly options: ScriptedClientOptions

  constructor(options: ScriptedClientOptions) {
    this.options = options
  }

  get redirectUrl(): string {
    return this.options.redirectUrl
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'scopeguard demo MCP client',
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A public client: PKCE protects its authorization codes.
      token_endpoint_auth_method: 'none',
      ...(this.options.scope !== undefined ? { scope: this.options.scope } : {}),
    }
  }

  state(): string {
    this.expectedState = randomBytes(16).toString('base64url')
    return this.expectedState
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client
  }

  saveClientInformation(information: OAuthClientInformationMixed): void {
    this.client = information
  }

  /**
   * The saved tokens. While a step-up is pending (see {@link noteResponse}) the refresh token is
   * held back: SDK 1.32 would refresh instead of asking the user for the larger scope, and a
   * refresh cannot widen a grant (RFC 6749 §6), so the retry would fail the same way
   * (typescript-sdk issue 2255).
   */
  tokens(): OAuthTokens | undefined {
    if (!this.stepUpPending || this.savedTokens === undefined) return this.savedTokens
    const { refresh_token: _held, ...tokens } = this.savedTokens
    return tokens
  }

  saveTokens(tokens: OAuthTokens): void {
    this.savedTokens = tokens
    this.stepUpPending = false
  }

  /** The tokens as saved, refresh token included. */
  savedTokenSet(): OAuthTokens | undefined {
    return this.savedTokens
  }

  /** What discovery found, so that a later authorization (step-up, refresh) skips it. */
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier
  }

  codeVerifier(): string {
    if (this.verifier === undefined) throw new Error('no authorization is in progress')
    return this.verifier
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    this.options.onAuthorizationUrl?.(authorizationUrl)
    const query = await this.browser.authorize(authorizationUrl, this.options.redirectUrl, {
      ...(this.options.decision ? { decision: this.options.decision } : {}),
      ...(this.options.onBrowserStep ? { onStep: this.options.onBrowserStep } : {}),
    })
    const error = query.get('error')
    if (error !== null) {
      throw new Error(`the authorization was refused: ${error} (${query.get('error_description')})`)
    }
    if (query.get('state') !== this.expectedState) {
      throw new Error('the authorization response does not carry the state this client sent')
    }
    this.code = query.get('code') ?? undefined
  }

  /** The code the last authorization returned, once. */
  takeAuthorizationCode(): string {
    const code = this.code
    this.code = undefined
    if (code === undefined) throw new Error('no authorization code: the client was not authorized')
    return code
  }

  /**
   * Lets the client see the MCP server's responses (give it to the transport's `fetch`): a 403
   * `insufficient_scope` starts a step-up, for which the refresh token is held back.
   */
  noteResponse(response: Response): void {
    if (
      response.status === 403 &&
      /error="insufficient_scope"/.test(response.headers.get('www-authenticate') ?? '')
    ) {
      this.stepUpPending = true
    }
  }
}
