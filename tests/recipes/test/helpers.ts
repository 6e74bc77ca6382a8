import { parseChallenges } from '@scopeguard/core/primitives'
import { rawRequest, type RawResponse } from '@scopeguard/testing'

/** A response with its JSON body (or text) and its Bearer challenge's parameters, if any. */
export interface Answer extends RawResponse {
  json: unknown
  challenge: Record<string, string> | undefined
}

/** Sends one request (`GET` unless said otherwise) and parses what came back. */
export async function call(
  origin: string,
  path: string,
  options: { method?: string; headers?: [string, string][] } = {},
): Promise<Answer> {
  const response = await rawRequest(origin, {
    method: options.method ?? 'GET',
    path,
    headers: options.headers ?? [],
  })
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    json = undefined
  }
  const bearer = (response.headers['www-authenticate'] ?? [])
    .flatMap((value) => parseChallenges(value))
    .find((challenge) => challenge.scheme.toLowerCase() === 'bearer')
  return { ...response, json, challenge: bearer?.params }
}

export const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]

/** A client registered at the test issuer, getting tokens from its token endpoint. */
export interface TokenClient {
  clientId: string
  clientSecret: string
}

/**
 * Asks the issuer's token endpoint for a token (client_secret_basic), as a real client does.
 * @throws Error when the endpoint refuses.
 */
export async function requestToken(
  tokenEndpoint: string,
  client: TokenClient,
  form: Record<string, string>,
): Promise<string> {
  const credentials = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${credentials}` },
    body: new URLSearchParams(form),
  })
  const body = (await response.json()) as { access_token?: string; error?: string }
  if (!response.ok || body.access_token === undefined) {
    throw new Error(`the token endpoint refused: ${response.status} ${body.error ?? ''}`)
  }
  return body.access_token
}

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
