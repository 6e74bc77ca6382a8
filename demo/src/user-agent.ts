/**
 * A scripted browser for the demo's authorization server: it opens an authorization URL, follows
 * redirects with the server's cookies, submits the login and consent forms (see interactions.ts)
 * and stops at the client's redirect URI, returning its query (`code` and `state`, or `error`).
 * It only talks to the authorization server's origin.
 */

/** One HTTP exchange of the scripted browser, for printing. */
export interface BrowserStep {
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly status: number
  /** Where a redirect pointed. */
  readonly location?: string
  /** The sentence a login or consent page shows (what the user is asked). */
  readonly ask?: string
}

export interface UserAgentOptions {
  /** Allow (default) or deny on the consent page. */
  readonly decision?: 'allow' | 'deny'
  /** Called after each exchange. */
  readonly onStep?: (step: BrowserStep) => void
}

const MAX_HOPS = 20

/** Cookies by name, as a browser keeps them for one site (paths are not told apart). */
class CookieJar {
  private readonly cookies = new Map<string, string>()

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute))
      const value = pair.slice(eq + 1).trim()
      if (expired || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
}

const ASK = /<p class="ask">([^<]*)<\/p>/
const FORM_ACTION = /<form method="post" action="([^"]+)">/g

const unescapeHtml = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

/**
 * A scripted browser: it keeps the authorization server's cookies (the user's session) from one
 * authorization to the next, as a browser does, so that a second authorization (a step-up) finds
 * the user signed in and asks only for consent.
 */
export class ScriptedBrowser {
  private readonly jar = new CookieJar()

  /**
   * Opens `authorizationUrl` and goes through the authorization server's pages until it
   * redirects to `redirectUri`; returns that redirect's query parameters.
   * @throws Error on anything a user could not get past (an error page, a loop, another site).
   */
  async authorize(
    authorizationUrl: URL,
    redirectUri: string,
    options: UserAgentOptions = {},
  ): Promise<URLSearchParams> {
    const jar = this.jar
    const origin = authorizationUrl.origin
    let request: { method: 'GET' | 'POST'; url: URL } = { method: 'GET', url: authorizationUrl }
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (request.url.origin !== origin) {
        throw new Error(`the authorization server sent the browser to another site: ${request.url}`)
      }
      const response = await fetch(request.url, {
        method: request.method,
        redirect: 'manual',
        headers: {
          cookie: jar.header(),
          ...(request.method === 'POST'
            ? { 'content-type': 'application/x-www-form-urlencoded' }
            : {}),
        },
        ...(request.method === 'POST' ? { body: '' } : {}),
        signal: AbortSignal.timeout(10_000),
      })
      jar.store(response)
      const location = response.headers.get('location') ?? undefined
      const text = await response.text()
      const ask = ASK.exec(text)?.[1]
      options.onStep?.({
        method: request.method,
        url: request.url.href,
        status: response.status,
        ...(location !== undefined ? { location } : {}),
        ...(ask !== undefined ? { ask: unescapeHtml(ask) } : {}),
      })

      if (response.status >= 300 && response.status < 400 && location !== undefined) {
        const next = new URL(location, request.url)
        if (next.href.startsWith(redirectUri)) return next.searchParams
        request = { method: 'GET', url: next }
        continue
      }
      const actions = [...text.matchAll(FORM_ACTION)].map((match) => unescapeHtml(match[1] ?? ''))
      if (response.status !== 200 || actions.length === 0) {
        throw new Error(
          `the authorization server answered ${response.status} at ${request.url.pathname}: ${text.slice(0, 300)}`,
        )
      }
      const wanted = options.decision === 'deny' ? /\/abort$/ : /\/(login|consent)$/
      const action = actions.find((candidate) => wanted.test(candidate))
      if (action === undefined) throw new Error(`no form to submit at ${request.url.pathname}`)
      request = { method: 'POST', url: new URL(action, request.url) }
    }
    throw new Error(`the authorization did not reach ${redirectUri} after ${MAX_HOPS} requests`)
  }
}

/** Authorizes in a new browser (no cookies yet). */
export function authorizeInBrowser(
  authorizationUrl: URL,
  redirectUri: string,
  options: UserAgentOptions = {},
): Promise<URLSearchParams> {
  return new ScriptedBrowser().authorize(authorizationUrl, redirectUri, options)
}
