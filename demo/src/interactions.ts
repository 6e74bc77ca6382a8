import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { InteractionDetails } from 'oidc-provider'
import { DEMO_USER } from './clients.js'

/**
 * The login and consent pages of the demo's authorization server (oidc-provider's interaction
 * endpoints, at `/interaction/<uid>`). There is one user, {@link DEMO_USER}, without a password:
 * the login page signs them in, the consent page grants the client what it asked for (or
 * declines). A person can click through them in a browser; the demo's scripted user agent
 * submits the forms by HTTP.
 *
 * - `GET /interaction/<uid>`: the page for the current prompt (`login` or `consent`), with a form
 *   whose `action` is where to submit it;
 * - `POST /interaction/<uid>/login`: signs the demo user in;
 * - `POST /interaction/<uid>/consent`: grants the requested scopes for the requested resources;
 * - `POST /interaction/<uid>/abort`: declines (the client gets `access_denied`).
 */
export function interactionHandler(
  provider: Provider,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/.exec(
      new URL(req.url ?? '/', 'http://localhost').pathname,
    )
    const action = match?.[2]
    if (!match || (action === undefined ? req.method !== 'GET' : req.method !== 'POST')) {
      return send(res, 404, 'text/plain', 'not found')
    }
    let details: InteractionDetails
    try {
      details = await provider.interactionDetails(req, res)
    } catch {
      // No interaction cookie, or an expired interaction: start again at the client.
      return send(res, 400, 'text/plain', 'this sign-in has expired or was not started here')
    }
    if (details.uid !== match[1]) return send(res, 400, 'text/plain', 'interaction mismatch')
    req.resume() // the forms carry no fields: drain whatever was sent

    switch (action) {
      case undefined:
        return send(res, 200, 'text/html; charset=utf-8', await page(provider, details))
      case 'login':
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: DEMO_USER } },
          { mergeWithLastSubmission: false },
        )
      case 'consent':
        return provider.interactionFinished(
          req,
          res,
          { consent: { grantId: await grantRequested(provider, details) } },
          { mergeWithLastSubmission: true },
        )
      default:
        return provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the user declined the request' },
          { mergeWithLastSubmission: false },
        )
    }
  }
}

/** Adds what the consent prompt found missing to the session's grant (or a new one). */
async function grantRequested(provider: Provider, details: InteractionDetails): Promise<string> {
  const accountId = details.session?.accountId ?? DEMO_USER
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId: details.params.client_id })
  const missing = details.prompt.details
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '))
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  return grant.save()
}

/** The page for the current prompt: one sentence saying what is asked, and its forms. */
async function page(provider: Provider, details: InteractionDetails): Promise<string> {
  const base = `/interaction/${details.uid}`
  const client = await provider.Client.find(details.params.client_id)
  const clientName = client?.clientName
    ? `${client.clientName} (${details.params.client_id})`
    : details.params.client_id
  if (details.prompt.name === 'login') {
    return html(
      'Sign in',
      `Sign in as ${DEMO_USER} to continue to ${clientName}.`,
      form(`${base}/login`, `Sign in as ${DEMO_USER}`) + form(`${base}/abort`, 'Cancel'),
    )
  }
  const resourceScopes = Object.entries(details.prompt.details.missingResourceScopes ?? {})
  const scopes = resourceScopes.map(([resource, list]) => `${list.join(' ')} at ${resource}`)
  // oidc-provider lists a resource's scopes among the OpenID ones too: name those once.
  const named = new Set(resourceScopes.flatMap(([, list]) => list))
  const openid = details.prompt.details.missingOIDCScope
    ?.filter((scope) => !named.has(scope))
    .join(' ')
  const asked = [...scopes, openid && `${openid} (your identity)`].filter(Boolean).join('; ')
  return html(
    'Allow access?',
    `${clientName} asks ${DEMO_USER} for ${asked || 'access'}.`,
    form(`${base}/consent`, 'Allow') + form(`${base}/abort`, 'Deny'),
  )
}

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  )

const form = (action: string, label: string): string =>
  `<form method="post" action="${escape(action)}"><button>${escape(label)}</button></form>`

const html = (title: string, ask: string, forms: string): string =>
  `<!doctype html><title>${escape(title)}</title><h1>${escape(title)}</h1>` +
  `<p class="ask">${escape(ask)}</p>${forms}`

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; form-action 'self'",
  })
  res.end(body)
}
